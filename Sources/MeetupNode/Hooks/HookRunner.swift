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
    let node: Node
    static let attemptLimit = 20
    static let timeout: TimeInterval = 30

    func run() async throws {
        let http = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: .init(timeout: .init(connect: .seconds(5), read: .seconds(Int64(Self.timeout)))))
        await cancelWhenGracefulShutdown {
            // Outcomes of hooks that ran but could not be recorded (disk full): recorded first on the next pass,
            // so that a hook is not run again, and again, while the queue cannot be written.
            var unrecorded: [Int64: HookOutcome] = [:]
            while !Task.isCancelled {
                do {
                    let node = node
                    for (id, outcome) in unrecorded {
                        try await offPool { try record(outcome, of: id) }
                        unrecorded[id] = nil
                    }
                    for job in try await offPool({ try node.store.dueHookJobs(now: node.clock.now, limit: 16) }) {
                        let outcome = try await run(job, http: http)
                        do {
                            try await offPool { try record(outcome, of: job.id) }
                        } catch {
                            unrecorded[job.id] = outcome
                            throw error
                        }
                        log(outcome, of: job)
                    }
                    let next = try await offPool { try node.store.earliestHookJob() }
                    node.passSucceeded(.hooks)
                    await node.hookWakeup.wait(until: next, clock: node.clock)
                } catch {
                    // Not woken early by nudges while failing: each try is one log line.
                    try? await node.clock.sleep(until: node.passFailed(.hooks, error))
                }
            }
        }
        try? await http.shutdown()
    }

    /// What became of one job: done (ran, or its alert is gone), to be tried again, or given up.
    enum HookOutcome: Sendable {
        case done
        case retry(next: Date, reason: String)
        case gaveUp(reason: String)
    }

    /// Runs one job's hook. Throws only when the store cannot be read; a failing hook is an outcome.
    private func run(_ job: HookJob, http: HTTPClient) async throws -> HookOutcome {
        let node = node
        guard let alert = try await offPool({ try node.store.receivedAlert(id: job.alertID) }) else { return .done }
        let summary = HookSummary(alert, event: job.event, details: node.hooks.details)
        let hooks = node.hooks
        do {
            // A hook removed by a reload since the job was queued has nothing to run.
            switch job.hook {
            case .exec: if let command = hooks.exec { try await HookCall.exec(command, input: summary.json()) }
            case .webhook: if let url = hooks.webhook { try await HookCall.post(url, body: summary.json(), type: "application/json", http: http) }
            case .ntfy: if let url = hooks.ntfy { try await HookCall.ntfy(url, summary: summary, http: http) }
            }
            return .done
        } catch {
            let reason = (error as? HookFailure)?.description ?? "\(type(of: error))"
            node.metrics.hookFailed(kind: job.hook.rawValue)
            if job.attempts + 1 >= Self.attemptLimit { return .gaveUp(reason: reason) }
            return .retry(next: node.clock.now.addingTimeInterval(Backoff.other.delay(afterAttempts: job.attempts + 2)), reason: reason)
        }
    }

    private func record(_ outcome: HookOutcome, of id: Int64) throws {
        switch outcome {
        case .done, .gaveUp: try node.store.finishHookJob(id: id)
        case let .retry(next, reason): try node.store.retryHookJob(id: id, next: next, error: reason)
        }
    }

    private func log(_ outcome: HookOutcome, of job: HookJob) {
        let metadata: Logger.Metadata = ["alert": "\(job.alertID)", "hook": "\(job.hook)"]
        switch outcome {
        case .done: node.logger.info("hook ran", metadata: metadata)
        case let .retry(_, reason): node.logger.warning("hook failed; will retry", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
        case let .gaveUp(reason): node.logger.error("hook failed; giving up", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
        }
    }
}

/// What a hook tells: a new alert, or an update of one it already told (Help pressed again).
enum HookEvent: String, Sendable {
    case alert
    case update
}

/// A queued run of one hook for one received alert.
struct HookJob: Sendable {
    var id: Int64
    var alertID: String
    var hook: HookKind
    var event: HookEvent
    var attempts: Int
}

/// What a hook receives: ids, who and why; the match, place and map link only with `--hook-details`.
struct HookSummary: Encodable {
    var event: String
    var id: String
    var plan: String
    var from: String
    var reason: String
    var receivedAt: Date
    var match: String?
    var place: String?
    var mapLink: String?

    enum CodingKeys: String, CodingKey {
        case event, id, plan, from, reason, match, place
        case receivedAt = "received_at"
        case mapLink = "map_link"
    }

    init(_ alert: ReceivedAlert, event: HookEvent, details: Bool) {
        self.event = event.rawValue
        id = alert.id
        plan = alert.plan
        from = alert.from
        reason = alert.reason
        receivedAt = alert.receivedAt
        if details {
            match = alert.match.pseudonym
            place = alert.place
            mapLink = alert.mapLink
        }
    }

    func json() -> Data {
        (try? ControlJSON.encoder().encode(self)) ?? Data()
    }

    /// ntfy's message: one line a lock screen can show.
    var text: String {
        let update = event == HookEvent.update.rawValue ? " (updated)" : ""
        var line = "meetup alert from \(from)\(update): \(reason) (alert \(id))"
        if let match, let place { line += " — meeting \(match) at \(place)" }
        return line
    }
}

struct HookFailure: Error, CustomStringConvertible {
    let description: String
}

enum HookCall {
    /// Runs `command` with `/bin/sh -c`, the summary on its stdin; fails on a non-zero exit or a timeout.
    static func exec(_ command: String, input: Data) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: HookFailure(description: "cannot start /bin/sh"))
                return
            }
            // SIGTERM at the timeout, SIGKILL 5 s later: a hook that ignores SIGTERM must not hold the queue.
            let pid = process.processIdentifier
            DispatchQueue.global().asyncAfter(deadline: .now() + HookRunner.timeout) {
                if process.isRunning { process.terminate() }
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + HookRunner.timeout + 5) {
                if process.isRunning { kill(pid, SIGKILL) }
            }
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        guard status == 0 else { throw HookFailure(description: "exit status \(status)") }
    }

    static func post(_ url: String, body: Data, type: String, headers: [(String, String)] = [], http: HTTPClient) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: type)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await http.execute(request, timeout: .seconds(Int64(HookRunner.timeout)))
        guard (200..<300).contains(Int(response.status.code)) else {
            throw HookFailure(description: "HTTP \(response.status.code)")
        }
    }

    /// ntfy's publish format: the message as the body, a title, urgent priority.
    static func ntfy(_ url: String, summary: HookSummary, http: HTTPClient) async throws {
        try await post(
            url, body: Data(summary.text.utf8), type: "text/plain; charset=utf-8",
            headers: [("Title", "meetup alert"), ("Priority", "urgent"), ("Tags", "rotating_light")], http: http)
    }
}
