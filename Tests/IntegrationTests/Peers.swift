import Foundation
import MeetupControl
@testable import MeetupNode
import Testing

/// Plans, contacts and alerts through the real `meetupctl`, for tests with several nodes.
extension Daemon {
    static let pin = "2580"
    static let duressPIN = "0852"

    /// A daemon with its PINs set.
    static func withPINs(extraArguments: [String] = []) throws -> Daemon {
        let daemon = try Daemon(extraArguments: extraArguments)
        try daemon.setPINs()
        return daemon
    }

    func setPINs() throws {
        let set = try ctl(["pin", "set"], stdin: "\(Self.pin)\n\(Self.duressPIN)\n")
        try #require(set.status == 0, "\(set.stderr)")
    }

    /// Arms a plan, beside any running one, whether or not a contact would hear of it: the tests of those
    /// refusals call `ctl(["arm", ...])` themselves.
    func arm(_ arguments: [String]) throws -> PlanStatus {
        try json(["arm", "--also", "--no-contacts"] + arguments, as: PlanStatus.self)
    }

    func plan(_ id: String) throws -> PlanStatus {
        try json(["status", id], as: PlanStatus.self)
    }

    var card: String {
        get throws { try json(["id"], as: IdentityInfo.self).card }
    }

    var port: Int {
        get throws {
            let listen = try #require(try status().listen)
            return try #require(Int(listen.split(separator: ":").last ?? ""))
        }
    }

    func addContact(_ name: String, card: String, _ extra: [String] = []) throws {
        let added = try ctl(["contacts", "add", name, card] + extra)
        try #require(added.status == 0, "\(added.stderr)")
    }

    /// Received alerts, every one kept.
    func receivedAlerts() throws -> [ReceivedAlert] {
        try json(["alerts", "--all"], as: [ReceivedAlert].self)
    }

    /// Runs `meetupctl ... --json`, requires success, and decodes its output.
    func json<T: Decodable>(_ arguments: [String], stdin: String? = nil, as type: T.Type) throws -> T {
        let result = try ctl(arguments + ["--json"], stdin: stdin)
        try #require(result.status == 0, "meetupctl \(arguments.first ?? "") failed: \(result.stderr)")
        return try ControlJSON.decoder().decode(type, from: Data(result.stdout.utf8))
    }
}

/// Each node adds the other: `a` calls `b` `bName`, `b` calls `a` `aName`.
func pair(_ a: Daemon, as aName: String, with b: Daemon, as bName: String, tierOfB: Int = 1) throws {
    try a.addContact(bName, card: try b.card, ["--tier", "\(tierOfB)"])
    try b.addContact(aName, card: try a.card)
}

/// Polls until `body` gives a value, or `timeout` passes (then nil).
func waitFor<T>(_ timeout: TimeInterval, poll: TimeInterval = 0.05, _ body: () throws -> T?) rethrows -> T? {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if let value = try body() { return value }
        if Date() >= deadline { return nil }
        Thread.sleep(forTimeInterval: poll)
    }
}

/// Polls until `condition` holds or `timeout` passes.
func waitFor(_ timeout: TimeInterval, _ condition: () throws -> Bool) rethrows -> Bool {
    try waitFor(timeout) { try condition() ? true : nil } ?? false
}

/// `Tests/Interop/protocol_peer.py`: the independent Python peer written from docs/PROTOCOL.md.
struct ProtocolPeer {
    let state: String

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/protocol_peer.py").path

    init(directory: String) {
        state = directory + "/py-peer-\(UUID().uuidString.prefix(6))"
    }

    /// Runs a command and returns each JSON line it printed.
    func run(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try IntegrationTests.run("/usr/bin/env", ["python3", Self.script] + arguments)
        try #require(result.status == 0, "protocol_peer.py \(arguments.first ?? "") failed (run make deps for PyNaCl): \(result.stderr)")
        return try result.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func card(endpoint: String) throws -> String {
        try #require(try run(["card", "--state", state, "--name", "Py", "--endpoint", endpoint]).first?["card"] as? String)
    }
}

/// A background helper process (a Python server) that prints `{"listening": PORT}` once ready. Its output
/// goes to a file, polled, so that nothing here blocks on a pipe.
final class Helper {
    let process = Process()

    init(_ arguments: [String]) throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("meetup-helper-\(UUID().uuidString.prefix(8))").path
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: output) }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let ready = waitFor(10) { ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("listening") }
        try #require(ready, "\(arguments.joined(separator: " ")) did not start")
    }

    /// SIGKILL: a child may inherit a blocked SIGTERM from the test runner, and a helper keeps no state.
    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A loopback port free now (the kernel picks it; the socket is closed at once).
func freePort() throws -> Int {
    let result = try run("/usr/bin/env", ["python3", "-c", "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])"])
    return try #require(Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
}

/// Lines of a JSON-lines file, decoded.
func jsonLines(_ path: String) -> [[String: Any]] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}

/// The stopped daemon's store, opened with its own keys, as a test reads what only contacts may see.
func openStore(_ home: String) throws -> Store {
    let keys = try NodeKeys.loadOrCreate(in: NodeHome(path: home, isExplicit: true))
    return try Store.open(path: home + "/meetup.sqlite", cipher: DataCipher(key: keys.dataKey))
}
