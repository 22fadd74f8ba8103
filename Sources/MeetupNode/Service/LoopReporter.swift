import Foundation
import Logging

/// What a loop tells of its passes: the end of a run of failures, each failed try once with its count, and
/// when to try again (docs/ARCHITECTURE.md, "Failure is contained, and never drops work").
struct LoopReporter: Sendable {
    let loop: NodeLoop
    let health: LoopHealth
    let clock: any WallClock
    let logger: Logger

    /// A pass went through: logs the end of a run of failures, if it ended one.
    func passed() {
        guard let ended = health.passed(loop, at: clock.now) else { return }
        logger.notice(
            "pass recovered",
            metadata: [
                "loop": "\(loop.rawValue)", "failures": "\(ended.failures)",
                "failing_for": "\(Int(clock.now.timeIntervalSince(ended.since)))",
            ])
    }

    /// A pass failed with an error of the moment: logs it once for this retry, with the count, and returns
    /// when to try again.
    func failed(_ error: any Error) -> Date {
        let now = clock.now
        let failing = health.failed(loop, reason: Store.describeForLog(error), at: now)
        let delay = LoopHealth.retryBackoff.ceiling(afterAttempts: failing.failures - 1)
        logger.error(
            "pass failed; work stays queued",
            metadata: [
                "loop": "\(loop.rawValue)", "failures": "\(failing.failures)", "retry_in": "\(delay)",
                "reason": "\(failing.reason)",
            ])
        return now.addingTimeInterval(delay)
    }

    /// Runs one pass, then waits until the instant it returns or until a commit wakes the loop; after a
    /// failure, until the retry instant (nudges do not cut that wait short, so that each try is one log line).
    func pass(wakeup: SchedulerWakeup, _ body: () async throws -> Date?) async {
        do {
            let next = try await body()
            passed()
            await wakeup.wait(until: next, clock: clock)
        } catch {
            try? await clock.sleep(until: failed(error))
        }
    }
}
