import AsyncHTTPClient
import CheckInCore
import Foundation
import Logging
import MeetupControl
import NIOCore
import ServiceLifecycle

/// Runs the notification hooks, of received alerts and of the user's own warnings, from the durable
/// `hook_job` queue. A failed hook is
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
    /// The zone the user's warnings give times in: the node's.
    var zone = TimeZone.current
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
        let hooks = hooks.value
        guard let message = try await offPool({ try message(for: job, details: hooks.details) }) else { return .done }
        do {
            try await performer.perform(job.hook, message: message, targets: hooks.targets(for: job.event))
            return .done
        } catch {
            let reason = (error as? HookFailure)?.description ?? "\(type(of: error))"
            metrics.hookFailed(kind: job.hook.rawValue)
            if job.attempts + 1 >= Self.attemptLimit { return .gaveUp(reason: reason) }
            return .retry(next: clock.now.addingTimeInterval(Backoff.other.delay(afterAttempts: job.attempts + 2)), reason: reason)
        }
    }

    /// What the job's hook is told; nil when there is nothing left to tell: the alert is gone, or the warning
    /// no longer stands (the user checked in, ended the plan, or was alerted since).
    private func message(for job: HookJob, details: Bool) throws -> HookMessage? {
        switch job.subject {
        case let .receivedAlert(id):
            return try store.receivedAlert(id: id).map { HookSummary($0, event: job.event, details: details).message }
        case let .plan(id, deadline):
            guard let status = try store.planStatus(id: id) else { return nil }
            return WarningSummary(job.event, plan: status, deadline: deadline, zone: zone)?.message
        }
    }

    private func record(_ outcome: HookOutcome, of id: Int64) throws {
        switch outcome {
        case .done, .gaveUp: try store.finishHookJob(id: id)
        case let .retry(next, reason): try store.retryHookJob(id: id, next: next, error: reason)
        }
    }

    private func log(_ outcome: HookOutcome, of job: HookJob) {
        var metadata: Logger.Metadata = ["hook": "\(job.hook)", "event": "\(job.event.rawValue)"]
        switch job.subject {
        case let .receivedAlert(id): metadata["alert"] = "\(id)"
        case let .plan(id, _): metadata["plan"] = "\(id)"
        }
        switch outcome {
        case .done: logger.info("hook ran", metadata: metadata)
        case let .retry(_, reason): logger.warning("hook failed; will retry", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
        case let .gaveUp(reason): logger.error("hook failed; giving up", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
        }
    }
}
