import Foundation
import MeetupControl
import ServiceLifecycle

/// Deletes what the node no longer needs (`Store.purge`): at start, then every `interval`. What is kept,
/// and why 30 days: docs/ARCHITECTURE.md, "Retention".
struct Retention: Service {
    let node: Node
    static let interval: TimeInterval = 6 * 3_600

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try node.purge()
                } catch {
                    node.logger.error("purge failed", metadata: ["error_type": "\(type(of: error))"])
                }
                try? await node.clock.sleep(until: node.clock.now.addingTimeInterval(Self.interval))
            }
        }
    }
}

extension Node {
    /// Purges now: plans ended and alerts acknowledged more than `retention` ago. Acknowledged alerts and a
    /// guardian's tombstones stay at least as long as an envelope can live, so that a late copy is neither
    /// shown again nor revives a plan.
    func purge() throws -> PurgeResult {
        let now = clock.now
        let result = try store.purge(
            now: now, before: now.addingTimeInterval(-configuration.retention),
            dedupeBefore: now.addingTimeInterval(-max(configuration.retention, configuration.envelopeTTL)))
        if result.plans + result.receivedAlerts + result.watches > 0 {
            logger.info(
                "purged",
                metadata: ["plans": "\(result.plans)", "received_alerts": "\(result.receivedAlerts)", "watches": "\(result.watches)"])
        }
        return result
    }
}
