import Foundation
import MeetupControl
import Testing

/// The built executables, beside the test bundle in SwiftPM's build folder.
enum Binaries {
    static let directory: URL = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // On Linux the test runner may sit inside the .xctest bundle's folder.
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("meetupd").path), url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url
    }()

    static var meetupd: String { directory.appendingPathComponent("meetupd").path }
    static var meetupctl: String { directory.appendingPathComponent("meetupctl").path }
}

/// What a finished command printed and returned.
struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs a program to completion with optional standard input.
func run(_ path: String, _ arguments: [String], stdin: String? = nil, environment: [String: String]? = nil) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let output = Pipe()
    let errors = Pipe()
    let input = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    // Read both pipes before waiting, so that a chatty child cannot block on a full pipe.
    let stdoutData = output.fileHandleForReading.readDataToEndOfFile()
    let stderrData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus,
        stdout: String(decoding: stdoutData, as: UTF8.self),
        stderr: String(decoding: stderrData, as: UTF8.self))
}

/// `meetupctl` against one home.
func meetupctl(home: String, _ arguments: [String], stdin: String? = nil, environment: [String: String]? = nil) throws -> CommandResult {
    try run(Binaries.meetupctl, ["--home", home] + arguments, stdin: stdin, environment: environment)
}

/// A real `meetupd` process in its own temporary home, listening on a free loopback port.
final class Daemon {
    let home: String
    let process = Process()
    let logPath: String
    private let ownsDirectory: String?

    /// Starts `meetupd --home HOME --listen 127.0.0.1:PORT` (a free port by default) and waits until
    /// `meetupctl status` answers.
    /// `stopping` is a daemon on the same home to stop first (SIGTERM), keeping its directory.
    /// `wrapper` runs the daemon through another program that execs it (`prlimit --nofile=…`), so that
    /// the process is still the daemon.
    /// `listen` replaces `127.0.0.1:PORT` (a daemon in a network namespace listens on the namespace's address).
    init(
        home: String? = nil, port: Int = 0, listen: String? = nil, extraArguments: [String] = [], environment: [String: String] = [:],
        wrapper: [String] = [], logDirectory: String? = nil, stopping previous: Daemon? = nil
    ) throws {
        if let previous { _ = previous.stop() }
        if let home {
            self.home = home
            ownsDirectory = nil
        } else {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("meetup-it-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            self.home = directory + "/home"
            ownsDirectory = directory
        }
        logPath = (logDirectory ?? (self.home as NSString).deletingLastPathComponent) + "/meetupd-\(UUID().uuidString.prefix(6)).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let arguments = ["--home", self.home, "--listen", listen ?? "127.0.0.1:\(port)"] + extraArguments
        if let program = wrapper.first {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(wrapper.dropFirst()) + [Binaries.meetupd] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: Binaries.meetupd)
            process.arguments = arguments
        }
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        try process.run()
        try waitUntilReady()
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        if let ownsDirectory { try? FileManager.default.removeItem(atPath: ownsDirectory) }
    }

    func waitUntilReady(timeout: TimeInterval = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard process.isRunning else { throw DaemonError.exited(log: log) }
            if let status = try? status(), status.listen != nil { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw DaemonError.notReady(log: log)
    }

    func status() throws -> NodeStatus {
        let result = try meetupctl(home: home, ["status", "--json"])
        guard result.status == 0 else { throw DaemonError.command(result.stderr) }
        return try ControlJSON.decoder().decode(NodeStatus.self, from: Data(result.stdout.utf8))
    }

    /// `environment` adds to this process's.
    func ctl(_ arguments: [String], stdin: String? = nil, environment: [String: String]? = nil) throws -> CommandResult {
        try meetupctl(
            home: home, arguments, stdin: stdin,
            environment: environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 } })
    }

    var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// SIGKILL: no shutdown code runs, as when the machine loses power or the process is killed.
    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then the exit status.
    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

enum DaemonError: Error, CustomStringConvertible {
    case exited(log: String)
    case notReady(log: String)
    case command(String)

    var description: String {
        switch self {
        case let .exited(log): "meetupd exited early:\n\(log)"
        case let .notReady(log): "meetupd did not become ready:\n\(log)"
        case let .command(stderr): "meetupctl failed: \(stderr)"
        }
    }
}

func fileMode(_ path: String) -> UInt32? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return UInt32(info.st_mode & 0o777)
}
