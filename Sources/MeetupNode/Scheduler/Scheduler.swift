import CheckInCore
import Foundation
import Logging
import ServiceLifecycle

/// The durable scheduler: one loop for all plans, no task or timer per plan.
///
/// Deadlines live in `plan.wake_at` (indexed). The loop asks SQLite for the earliest one, sleeps until
/// then or until nudged, re-reads the wall clock, and runs every timer due, each at its own instant and
/// committed before anything acts on it. At start-up the first pass fires what fell due while the node
/// was down; alerts raised more than `lateTolerance` after their instant are marked late.
package struct Scheduler: Service {
    let node: Node
    /// Plans advanced per transaction: bounds a transaction's size when many fall due at once.
    package static let batchSize = 256

    package func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let node = node
                    let next = try await offPool {
                        try runDue()
                        let now = node.clock.now
                        node.schedulerPassed(at: now)
                        // At least one pass per tick, so that /healthz can tell a live loop from a stuck one.
                        let tick = now.addingTimeInterval(Node.schedulerTick)
                        return min(try node.store.earliestWake() ?? tick, tick)
                    }
                    node.passSucceeded(.scheduler)
                    await node.wakeup.wait(until: next, clock: node.clock)
                } catch {
                    // The database refused (disk full, I/O error): nothing of the batch was committed and every
                    // plan keeps its timer. Keep the loop alive and try again with capped backoff, since every
                    // plan's alert depends on it. Nudges do not cut the wait short, so that each try is one log line.
                    try? await node.clock.sleep(until: node.passFailed(.scheduler, error))
                }
            }
        }
    }

    /// Advances every plan due now; returns how many it advanced.
    @discardableResult
    func runDue() throws -> Int {
        var advanced = 0
        while true {
            let now = node.clock.now
            let (outcomes, failed) = try node.store.advanceDue(to: now, limit: Self.batchSize, node.transitions)
            advanced += outcomes.count
            for outcome in outcomes {
                node.logRaised(outcome.raised)
                if let lateness = outcome.lateness { node.metrics.schedulerLate(by: lateness) }
            }
            // A transition may have committed notices (an alert): the courier turns them into envelopes.
            if !outcomes.isEmpty { node.courierWakeup.nudge() }
            for id in failed { node.logger.critical("plan row damaged; taken off the schedule", metadata: ["plan": "\(id)"]) }
            if outcomes.count + failed.count < Self.batchSize { return advanced }
        }
    }
}

extension Node {
    /// Logs alerts by id, plan and reason. Silent alerts leave no line: the log lives on the device.
    func logRaised(_ raised: [RaisedAlert]) {
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
