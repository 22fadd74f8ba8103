import AsyncHTTPClient
import Foundation
import Logging
import MeetupControl
import NIOCore
import ServiceLifecycle

/// Runs the notification hooks of received alerts from the durable `hook_job` queue. A failed hook is
/// logged and retried with backoff (at most `attemptLimit` times); hooks never hold up delivery, since
/// the alert and its jobs are committed before the receipt is sent and the hooks run here, later.
struct HookRunner: Service {
    let store: Store
    let clock: any WallClock
    /// The hooks in force, which a reload replaces.
    let hooks: CurrentHooks
    let wakeup: SchedulerWakeup
    let reporter: LoopReporter
    let metrics: NodeMetrics
    let logger: Logger
    static let attemptLimit = 20
    static let timeout: TimeInterval = 30

    func run() async throws {
        let http = PeerHTTP.client(connect: .seconds(5), read: .seconds(Int64(Self.timeout)), followRedirects: true)
        let performer = HookCalls(http: http)
        await cancelWhenGracefulShutdown {
            // Outcomes of hooks that ran but could not be recorded (disk full): recorded first on the next pass,
            // so that a hook is not run again, and again, while the queue cannot be written.
            var unrecorded: [Int64: HookOutcome] = [:]
            while !Task.isCancelled {
                await reporter.pass(wakeup: wakeup) { try await pass(performer, unrecorded: &unrecorded) }
            }
        }
        try? await http.shutdown()
    }

    /// Runs the due jobs one at a time; returns when the next one is due.
    func pass(_ performer: any HookPerformer, unrecorded: inout [Int64: HookOutcome]) async throws -> Date? {
        for (id, outcome) in unrecorded {
            try await offPool { try record(outcome, of: id) }
            unrecorded[id] = nil
        }
        for job in try await offPool({ try store.dueHookJobs(now: clock.now, limit: 16) }) {
            let outcome = try await run(job, performer)
            do {
                try await offPool { try record(outcome, of: job.id) }
            } catch {
                unrecorded[job.id] = outcome
                throw error
            }
            log(outcome, of: job)
        }
        return try await offPool { try store.earliestHookJob() }
    }

    /// What became of one job: done (ran, or its alert is gone), to be tried again, or given up.
    enum HookOutcome: Sendable {
        case done
        case retry(next: Date, reason: String)
        case gaveUp(reason: String)
    }

    /// Runs one job's hook. Throws only when the store cannot be read; a failing hook is an outcome.
    private func run(_ job: HookJob, _ performer: any HookPerformer) async throws -> HookOutcome {
        guard let alert = try await offPool({ try store.receivedAlert(id: job.alertID) }) else { return .done }
        let hooks = hooks.value
        let summary = HookSummary(alert, event: job.event, details: hooks.details)
        do {
            try await performer.perform(job.hook, summary: summary, hooks: hooks)
            return .done
        } catch {
            let reason = (error as? HookFailure)?.description ?? "\(type(of: error))"
            metrics.hookFailed(kind: job.hook.rawValue)
            if job.attempts + 1 >= Self.attemptLimit { return .gaveUp(reason: reason) }
            return .retry(next: clock.now.addingTimeInterval(Backoff.other.delay(afterAttempts: job.attempts + 2)), reason: reason)
        }
    }

    private func record(_ outcome: HookOutcome, of id: Int64) throws {
        switch outcome {
        case .done, .gaveUp: try store.finishHookJob(id: id)
        case let .retry(next, reason): try store.retryHookJob(id: id, next: next, error: reason)
        }
    }

    private func log(_ outcome: HookOutcome, of job: HookJob) {
        let metadata: Logger.Metadata = ["alert": "\(job.alertID)", "hook": "\(job.hook)"]
        switch outcome {
        case .done: logger.info("hook ran", metadata: metadata)
        case let .retry(_, reason): logger.warning("hook failed; will retry", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
        case let .gaveUp(reason): logger.error("hook failed; giving up", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
        }
    }
}
