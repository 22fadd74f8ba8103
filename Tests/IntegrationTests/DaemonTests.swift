import Foundation
import MeetupControl
import Testing

/// Real `meetupd` processes in temporary homes, driven by the real `meetupctl`.
@Suite("meetupd and meetupctl, for real", .serialized)
struct DaemonTests {
    @Test("meetupctl status answers from a running meetupd, with --home and --json before or after the subcommand")
    func status() throws {
        let daemon = try Daemon()
        let after = try run(Binaries.meetupctl, ["status", "--home", daemon.home, "--json"])
        let before = try run(Binaries.meetupctl, ["--home", daemon.home, "--json", "status"])
        #expect(after.status == 0)
        #expect(before.status == 0)
        let status = try ControlJSON.decoder().decode(NodeStatus.self, from: Data(before.stdout.utf8))
        #expect(status.home == daemon.home)
        #expect(status.version == MeetupVersion.current)
        #expect(status.nodeID.count == 16)
        let port = try #require(status.listen.flatMap { $0.split(separator: ":").last }.flatMap { Int($0) })
        #expect(port > 0)
        #expect(status.advertise == "http://127.0.0.1:\(port)")

        let human = try daemon.ctl(["status"])
        #expect(human.status == 0)
        #expect(human.stdout.contains(status.nodeID))
        #expect(human.stdout.contains(status.fingerprint))

        // The peer listener answers /healthz on the bound port.
        let health = try run("/usr/bin/env", ["curl", "-sS", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)/healthz"])
        #expect(health.stdout.hasSuffix("\n200"), "\(health.stdout)")
        #expect(health.stdout.contains(#""status":"ok""#) && health.stdout.contains(#""database_writable":true"#))
        // And the control socket speaks plain HTTP to curl, errors included.
        let missing = try run("/usr/bin/env", ["curl", "-sS", "--unix-socket", daemon.home + "/meetupd.sock", "http://meetupd/v1/nope"])
        #expect(missing.stdout == #"{"error":{"code":"route_not_found","message":"no route GET /v1/nope"}}"#)
    }

    @Test("the home is 0700 and no file in it is open to group or others")
    func permissions() throws {
        let daemon = try Daemon()
        #expect(fileMode(daemon.home) == 0o700)
        let names = try FileManager.default.contentsOfDirectory(atPath: daemon.home)
        for name in ["identity.key", "data.key", "meetup.sqlite", "meetupd.lock", "meetupd.sock"] {
            #expect(names.contains(name), "\(name) missing from the home")
        }
        for name in names {
            let mode = try #require(fileMode(daemon.home + "/" + name))
            #expect(mode & 0o077 == 0, "\(name) has mode \(String(mode, radix: 8))")
        }
        #expect(fileMode(daemon.home + "/meetupd.sock") == 0o600)
    }

    @Test("a second meetupd on the same home exits non-zero within a second and the first keeps running")
    func secondDaemonRefused() throws {
        let first = try Daemon()
        let before = try first.status()
        let started = Date()
        let second = try run(Binaries.meetupd, ["--home", first.home, "--listen", "127.0.0.1:0"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(second.status != 0)
        #expect(elapsed < 1.0, "second meetupd took \(elapsed) s to give up")
        #expect(second.stderr.contains("meetupd: error: home \(first.home) is in use by another meetupd (pid \(first.process.processIdentifier))"))
        #expect(first.process.isRunning)
        let after = try first.status()
        #expect(after.nodeID == before.nodeID)
        #expect(after.startedAt == before.startedAt)
    }

    @Test("after kill -9 the stale lock and socket do not block the next start, and the identity is kept")
    func staleLock() throws {
        let first = try Daemon()
        let identity = try first.status().nodeID
        first.kill9()
        #expect(FileManager.default.fileExists(atPath: first.home + "/meetupd.sock"))
        let asked = Date()
        let notRunning = try first.ctl(["status"])
        #expect(notRunning.status == 2)
        // A dead socket is recognised at once, not after the HTTP client's 30 s of retries.
        #expect(Date().timeIntervalSince(asked) < 5)
        let restarted = try Daemon(home: first.home)
        #expect(try restarted.status().nodeID == identity)
    }

    @Test("SIGTERM stops meetupd gracefully: exit 0 and the socket removed")
    func gracefulStop() throws {
        let daemon = try Daemon()
        #expect(daemon.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.home + "/meetupd.sock"))
        #expect(daemon.log.contains("stopped"))
    }

    @Test("meetupctl without a daemon says so in one line naming the home and how to start it; exit 2")
    func daemonNotRunning() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("meetup-none-\(UUID().uuidString)").path
        let result = try meetupctl(home: home, ["status"])
        #expect(result.status == 2)
        #expect(result.stderr == "meetupctl: error: meetupd is not running on home \(home); start it with: meetupd --home \(home)\n")
        #expect(result.stdout.isEmpty)
    }

    @Test("usage errors exit 2 and name what was wrong")
    func usageErrors() throws {
        let result = try run(Binaries.meetupctl, ["status", "--bogus"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("meetupctl: error: Unknown option '--bogus'"))
        let help = try run(Binaries.meetupctl, ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("status"))
    }
}
