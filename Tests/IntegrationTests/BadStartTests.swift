import Foundation
import Testing

/// Each bad start is one line naming the path or port and what to do, a non-zero exit, and nothing
/// existing overwritten.
@Suite("meetupd refuses bad starts", .serialized)
struct BadStartTests {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("meetup-bad-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    }

    func start(_ arguments: [String]) throws -> CommandResult {
        try run(Binaries.meetupd, arguments)
    }

    /// The error line, checked to be the only line on stderr that is not a log line.
    func errorLine(_ result: CommandResult) -> String? {
        let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("meetupd: error: ") }
        return lines.count == 1 ? String(lines[0]) : nil
    }

    @Test("a port already in use is named, and the home's existing files are left alone")
    func portInUse() throws {
        let holder = try Daemon()
        let listen = try #require(try holder.status().listen)
        let home = directory + "/other"
        let result = try start(["--home", home, "--listen", listen])
        #expect(result.status != 0)
        #expect(errorLine(result) == "meetupd: error: cannot listen on \(listen): address already in use; stop what holds it or choose another --listen")
        #expect(holder.process.isRunning)
        // The refused node's own keys survive for the next, correct start.
        let keys = try Data(contentsOf: URL(fileURLWithPath: home + "/identity.key"))
        let retry = try Daemon(home: home)
        #expect(try Data(contentsOf: URL(fileURLWithPath: home + "/identity.key")) == keys)
        _ = retry
    }

    @Test("a damaged key file is named, the daemon exits non-zero, and the file is not replaced")
    func damagedKey() throws {
        let home = directory + "/home"
        let daemon = try Daemon(home: home)
        _ = daemon.stop()
        let keyPath = home + "/identity.key"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: keyPath))
        bytes = bytes.prefix(40)
        try bytes.write(to: URL(fileURLWithPath: keyPath))
        let result = try start(["--home", home, "--listen", "127.0.0.1:0"])
        #expect(result.status != 0)
        #expect(errorLine(result) == "meetupd: error: key file \(keyPath) (identity key): expected 87 bytes, got 40 (truncated or damaged); restore it from a backup; meetupd never replaces a key")
        #expect(try Data(contentsOf: URL(fileURLWithPath: keyPath)) == bytes)
    }

    @Test("a home open to others is refused with the chmod that fixes it")
    func openHome() throws {
        let home = directory + "/open"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: false)
        chmod(home, 0o755)
        let result = try start(["--home", home, "--listen", "127.0.0.1:0"])
        #expect(result.status != 0)
        #expect(errorLine(result) == "meetupd: error: \(home) is open to group or others (mode 755); fix it with: chmod go-rwx \(home)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: home).isEmpty)
    }

    @Test("a home whose parent does not exist is refused, naming the parent")
    func missingParent() throws {
        let home = directory + "/no/such/home"
        let result = try start(["--home", home])
        #expect(result.status != 0)
        #expect(errorLine(result) == "meetupd: error: home \(home): parent directory \(directory)/no/such does not exist; create it or choose another --home")
    }

    @Test("a home this user cannot write is refused, naming it")
    func unwritableHome() throws {
        let home = directory + "/readonly"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: false)
        chmod(home, 0o500)
        var arguments = ["--home", home, "--listen", "127.0.0.1:0"]
        var program = Binaries.meetupd
        if geteuid() == 0 {
            // root writes anywhere: run the daemon as an unprivileged user who owns the read-only home,
            // from a copy of the binary that user can reach (the build folder may sit under a 0700 dir).
            let copy = directory + "/meetupd"
            try FileManager.default.copyItem(atPath: Binaries.meetupd, toPath: copy)
            chown(directory, 65534, 65534)
            chown(home, 65534, 65534)
            arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", copy] + arguments
            program = "/usr/bin/setpriv"
        }
        let result = try run(program, arguments)
        #expect(result.status != 0)
        #expect(errorLine(result) == "meetupd: error: \(home) is not writable by this user; fix its permissions or choose another --home", "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: home).isEmpty)
    }

    @Test("malformed --listen and --advertise values are refused by name")
    func badFlags() throws {
        let listen = try start(["--home", directory + "/h1", "--listen", "localhost"])
        #expect(listen.status != 0)
        #expect(errorLine(listen) == #"meetupd: error: --listen: listen address "localhost": expected HOST:PORT, like 127.0.0.1:7744 or [::1]:7744"#)
        let advertise = try start(["--home", directory + "/h2", "--advertise", "ftp://x"])
        #expect(advertise.status != 0)
        #expect(errorLine(advertise) == #"meetupd: error: --advertise: an http:// or https:// URL (lowercase) with a host, at most 200 bytes, like http://203.0.113.7:7744, not "ftp://x""#)
        #expect(!FileManager.default.fileExists(atPath: directory + "/h1"))
    }
}
