import Foundation
import Logging
import MeetupControl
import ServiceLifecycle

/// Deletes what the node no longer needs (`Store.purge`): at start, then every `interval`. What is kept,
/// and why 30 days: docs/ARCHITECTURE.md, "Retention".
struct Retention: Service {
    let purger: Purger
    let clock: any WallClock
    let logger: Logger
    static let interval: TimeInterval = 6 * 3_600

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try purger.purge()
                } catch {
                    logger.error("purge failed", metadata: ["error_type": "\(type(of: error))"])
                }
                try? await clock.sleep(until: clock.now.addingTimeInterval(Self.interval))
            }
        }
    }
}

/// Purges now: plans ended and alerts acknowledged more than `retention` ago. Acknowledged alerts and a
/// guardian's tombstones stay at least as long as an envelope can live, so that a late copy is neither shown
/// again nor revives a plan.
struct Purger: Sendable {
    let store: Store
    let clock: any WallClock
    let retention: TimeInterval
    let envelopeTTL: TimeInterval
    let logger: Logger

    func purge() throws -> PurgeResult {
        let now = clock.now
        let result = try store.purge(
            now: now, before: now.addingTimeInterval(-retention),
            dedupeBefore: now.addingTimeInterval(-max(retention, envelopeTTL)))
        if result.plans + result.receivedAlerts + result.watches > 0 {
            logger.info(
                "purged",
                metadata: ["plans": "\(result.plans)", "received_alerts": "\(result.receivedAlerts)", "watches": "\(result.watches)"])
        }
        return result
    }
}
