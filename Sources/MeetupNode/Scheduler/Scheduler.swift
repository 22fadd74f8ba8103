import CheckInCore
import Foundation
import Logging
import ServiceLifecycle

/// The durable scheduler: one loop for all plans, no task or timer per plan.
///
/// Deadlines live in `plan.wake_at` (indexed). The loop asks SQLite for the earliest one, sleeps until
/// then or until a commit changes a plan, re-reads the wall clock, and runs every timer due, each at its
/// own instant and committed before anything acts on it. At start-up the first pass fires what fell due
/// while the node was down; alerts raised more than `lateTolerance` after their instant are marked late.
package struct Scheduler: Service {
    let store: Store
    let clock: any WallClock
    let transitions: TransitionContext
    let wakeup: SchedulerWakeup
    let reporter: LoopReporter
    let metrics: NodeMetrics
    let logger: Logger
    /// Plans advanced per transaction: bounds a transaction's size when many fall due at once.
    package static let batchSize = 256

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                // The database refused (disk full, I/O error): nothing of the batch was committed and every
                // plan keeps its timer. The loop stays alive and tries again with capped backoff, since every
                // plan's alert depends on it.
                await reporter.pass(wakeup: wakeup) {
                    try await offPool {
                        try runDue()
                        // At least one pass per tick, so that /healthz can tell a live loop from a stuck one.
                        let tick = clock.now.addingTimeInterval(Node.schedulerTick)
                        return min(try store.earliestWake() ?? tick, tick)
                    }
                }
            }
        }
    }

    /// Advances every plan due now; returns how many it advanced.
    @discardableResult
    func runDue() throws -> Int {
        var advanced = 0
        while true {
            let (outcomes, failed) = try store.advanceDue(to: clock.now, limit: Self.batchSize, transitions)
            advanced += outcomes.count
            for outcome in outcomes {
                RaisedAlert.log(outcome.raised, to: logger, metrics: metrics)
                if let lateness = outcome.lateness { metrics.schedulerLate(by: lateness) }
            }
            for id in failed { logger.critical("plan row damaged; taken off the schedule", metadata: ["plan": "\(id)"]) }
            if outcomes.count + failed.count < Self.batchSize { return advanced }
        }
    }
}

extension RaisedAlert {
    /// Logs alerts just committed: ids and reasons only, and nothing of a silent one.
    static func log(_ raised: [RaisedAlert], to logger: Logger, metrics: NodeMetrics) {
        for alert in raised where !alert.silent {
            if alert.updated {
                logger.notice("alert updated", metadata: ["plan": "\(alert.planID)", "alert": "\(alert.id)"])
                continue
            }
            metrics.alertRaised(reason: alert.reason.rawValue)
            logger.notice(
                "alert raised",
                metadata: ["plan": "\(alert.planID)", "alert": "\(alert.id)", "reason": "\(alert.reason.rawValue)",
                           "late": "\(alert.late)"])
        }
    }
}
