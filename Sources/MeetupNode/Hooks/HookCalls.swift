import AsyncHTTPClient
import Foundation
import NIOCore

/// Runs one hook for one event; the hook runner is given one, so that tests can stand in for the hooks.
protocol HookPerformer: Sendable {
    func perform(_ kind: HookKind, message: HookMessage, targets: HookTargets) async throws
}

/// The real hooks: the command, the webhook, the ntfy topic in force.
struct HookCalls: HookPerformer {
    let http: HTTPClient

    func perform(_ kind: HookKind, message: HookMessage, targets: HookTargets) async throws {
        // A hook removed by a reload since the job was queued has nothing to run.
        switch kind {
        case .exec: if let command = targets.exec { try await HookCall.exec(command, input: message.json) }
        case .webhook: if let url = targets.webhook { try await HookCall.post(url, body: message.json, type: "application/json", http: http) }
        case .ntfy: if let url = targets.ntfy { try await HookCall.ntfy(url, message: message, http: http) }
        }
    }
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

    /// ntfy's publish format: the line as the body, with the message's title, priority and tag.
    static func ntfy(_ url: String, message: HookMessage, http: HTTPClient) async throws {
        try await post(
            url, body: Data(message.text.utf8), type: "text/plain; charset=utf-8",
            headers: [("Title", message.title), ("Priority", message.priority), ("Tags", message.tag)], http: http)
    }
}
