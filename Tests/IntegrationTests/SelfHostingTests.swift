import Foundation
import MeetupControl
import MeetupNode
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What a self-hoster relies on, with real processes: readiness for systemd, the unit file itself.
@Suite("self-hosting, for real", .serialized)
struct SelfHostingTests {
    @Test("under Type=notify, meetupd sends READY=1 to $NOTIFY_SOCKET once both listeners serve")
    func readiness() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/notify.sock"
        let listener = try DatagramListener(path: socketPath)
        let daemon = try Daemon(environment: ["NOTIFY_SOCKET": socketPath])
        let message = try #require(listener.receive(timeout: 5), "no notification: \(daemon.log)")
        #expect(message.hasPrefix("READY=1\nSTATUS=serving peers on 127.0.0.1:"), "\(message)")
        #expect(try daemon.status().listen != nil)
    }

    @Test("a full scenario in --log-format json at trace level: every line is one JSON object, and none holds a secret")
    func logsHoldNoSecrets() throws {
        let logging = ["--log-format", "json", "--log-level", "trace"]
        let user = try Daemon.withPINs(extraArguments: logging)
        let guardian = try Daemon(extraArguments: logging + ["--guardian-slack", "1s"])
        let carol = try Daemon(extraArguments: logging + ["--on-alert-webhook", "http://127.0.0.1:9/hook-token-5c1e"])
        try user.addContact("Asso", card: try guardian.card, ["--guardian"])
        try guardian.addContact("Ulysse", card: try user.card)
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        let secrets = [
            "Alexandre", "coco", "+33 6 12 34 56 78", "red cap", "Le Quetzal", "48.8566", "2.3522", "48.8571", "2.3534",
            "hook-token-5c1e",
        ]
        let plan = try user.arm([
            "--match", secrets[0], "--platform", secrets[1], "--phone", secrets[2], "--note", "\(secrets[3]), tall",
            "--place", secrets[4], "--geo", "\(secrets[5]),\(secrets[6])", "--every", "1m", "--for", "1h",
        ])
        #expect(try user.ctl(["where", plan.plan, "\(secrets[7]),\(secrets[8])"]).status == 0)
        #expect(try user.ctl(["checkin", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n").status == 0)
        #expect(try user.ctl(["checkin", plan.plan, "--pin-stdin"], stdin: Daemon.duressPIN + "\n").status == 0)
        #expect(try user.ctl(["panic", plan.plan]).status == 0)
        let alert = try #require(try waitFor(10) { try carol.receivedAlerts().first { $0.reason == "panic" } })
        #expect(try carol.ctl(["alerts", "ack", alert.id]).status == 0)
        #expect(try carol.ctl(["alerts", "show", alert.id]).status == 0)
        #expect(try user.ctl(["done", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n").status == 0)
        Thread.sleep(forTimeInterval: 1)
        let keys = try [user, guardian, carol].flatMap { daemon in
            let identity = try daemon.json(["id"], as: IdentityInfo.self)
            return [identity.card, String(identity.card.dropFirst("meetup1:".count).prefix(40))]
        }
        for (name, daemon) in [("user", user), ("guardian", guardian), ("carol", carol)] {
            #expect(daemon.stop() == 0)
            let lines = daemon.log.split(separator: "\n")
            #expect(lines.count > 10, "\(name) logged almost nothing")
            for line in lines {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object?["message"] is String && object?["level"] is String, "\(name): not a JSON log line: \(line)")
                for secret in secrets + keys {
                    #expect(!line.contains(secret), "\(name) logged \(secret): \(line)")
                }
                // PINs are four digits: look for them as numbers of their own, not inside ports or times.
                let numbers = line.split { !$0.isNumber }.map(String.init)
                #expect(!numbers.contains(Daemon.pin) && !numbers.contains(Daemon.duressPIN), "\(name) logged a PIN: \(line)")
            }
        }
    }

    @Test("meetupctl purge runs retention now; meetupd refuses a retention under an hour, naming the flag")
    func purge() throws {
        let daemon = try Daemon.withPINs(extraArguments: ["--retention", "2h"])
        let plan = try daemon.arm(["--match", "Kiwi", "--place", "Cafe", "--every", "10m", "--for", "1h"])
        #expect(try daemon.ctl(["done", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n").status == 0)
        let result = try daemon.json(["purge"], as: PurgeResult.self)
        #expect(result == PurgeResult(plans: 0, receivedAlerts: 0, watches: 0), "a plan ended just now is kept")
        #expect(try daemon.ctl(["status", plan.plan]).status == 0)
        let human = try daemon.ctl(["purge"])
        #expect(human.status == 0 && human.stdout.contains("plans"), "\(human.stderr)")
        let refused = try run(Binaries.meetupd, ["--home", daemon.home + "-other", "--retention", "10m"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--retention"), "\(refused.stderr)")
    }

    @Test("make install-files honours DESTDIR and PREFIX; the installed unit passes systemd-analyze verify; man pages cover every command")
    func install() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
        let staging = FileManager.default.temporaryDirectory.appendingPathComponent("install-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: staging) }
        let made = try run("/usr/bin/env", [
            "make", "-s", "-C", repository, "install-files", "BIN=\(Binaries.directory.path)", "PREFIX=/opt/meetup",
            "DESTDIR=\(staging)",
        ])
        #expect(made.status == 0, "\(made.stderr)")
        let root = staging + "/opt/meetup"
        for file in [
            "bin/meetupd", "bin/meetupctl", "lib/systemd/system/meetupd.service", "lib/sysusers.d/meetup.conf",
            "share/man/man1/meetupd.1", "share/man/man1/meetupctl.1", "share/bash-completion/completions/meetupctl",
            "share/zsh/site-functions/_meetupd", "share/fish/vendor_completions.d/meetupctl.fish", "share/doc/meetup/meetupd.yaml",
        ] {
            #expect(FileManager.default.fileExists(atPath: root + "/" + file), "\(file) not installed")
        }
        let unitPath = root + "/lib/systemd/system/meetupd.service"
        let unit = try String(contentsOfFile: unitPath, encoding: .utf8)
        #expect(unit.contains("ExecStart=/opt/meetup/bin/meetupd\n"), "DESTDIR leaked into the unit, or no ExecStart")
        #expect(try run(root + "/bin/meetupctl", ["--version"]).stdout == MeetupVersion.current + "\n")
        #expect(try String(contentsOfFile: root + "/share/zsh/site-functions/_meetupd", encoding: .utf8).contains("--guardian-slack"))

        // systemd-analyze checks that ExecStart exists: verify a copy that points into the staging folder.
        let verifiable = staging + "/meetupd.service"
        try unit.replacingOccurrences(of: "/opt/meetup/bin", with: root + "/bin").write(toFile: verifiable, atomically: true, encoding: .utf8)
        let verified = try run(
            "/usr/bin/env", ["systemd-analyze", "verify", verifiable],
            environment: ProcessInfo.processInfo.environment.merging(["MANPATH": root + "/share/man"]) { $1 })
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        #expect(verified.stderr.isEmpty, "\(verified.stderr)")

        // The checked-in man pages are current: every flag of meetupd and every meetupctl command is in them.
        let page = try String(contentsOfFile: repository + "/docs/man/meetupd.1", encoding: .utf8)
        let help = try run(Binaries.meetupd, ["run", "--help"]).stdout
        let flags = Set(help.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "[" || $0 == "]" || $0 == "," || $0 == "/" })
            .filter { $0.hasPrefix("--") && $0.count > 2 }.map(String.init))
        #expect(flags.count > 10)
        // DaemonOptions declares each setting again (argument-parser cannot add options at run time): one missing
        // there would be a setting with no flag.
        for setting in Setting.all { #expect(flags.contains(setting.flag), "meetupd has no \(setting.flag): add it to DaemonOptions") }
        for flag in flags { #expect(page.contains("Fl \(flag.dropFirst())"), "docs/man/meetupd.1 lacks \(flag): run make man") }
        for command in ["run", "check-config", "import"] {
            #expect(page.contains(".It Em \(command)"), "docs/man/meetupd.1 lacks \(command): run make man")
        }
        let ctlPage = try String(contentsOfFile: repository + "/docs/man/meetupctl.1", encoding: .utf8)
        // Every subcommand `meetupctl --help` lists: a two-space indent, then the name.
        let ctlHelp = try run(Binaries.meetupctl, ["--help"]).stdout
        let commands = ctlHelp.components(separatedBy: "SUBCOMMANDS:").last?.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first, !line.hasPrefix("  See ") else { return nil }
            return String(name)
        } ?? []
        #expect(commands.count >= 16 && commands.contains("link") && commands.contains("owntracks"), "\(commands)")
        for command in commands {
            #expect(ctlPage.contains(".It Em \(command)"), "docs/man/meetupctl.1 lacks \(command): run make man")
        }
    }

    @Test("after a scenario with alerts, /metrics has the expected series without ids in labels, and /healthz is ok")
    func metricsAndHealth() throws {
        let metricsFlag = ["--metrics-listen", "127.0.0.1:0"]
        let user = try Daemon.withPINs(extraArguments: metricsFlag)
        let carol = try Daemon(extraArguments: metricsFlag)
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        let missed = try user.arm(["--match", "Alexandre", "--place", "Le Quetzal", "--every", "2s", "--grace", "1s", "--for", "1h"])
        let forced = try user.arm(["--match", "Alexandre", "--place", "Le Quetzal", "--every", "10m", "--for", "1h"])
        #expect(try user.ctl(["checkin", forced.plan, "--pin-stdin"], stdin: Daemon.duressPIN + "\n").status == 0)
        let panicked = try user.arm(["--match", "Alexandre", "--place", "Le Quetzal", "--every", "10m", "--for", "1h"])
        #expect(try user.ctl(["panic", panicked.plan]).status == 0)
        #expect(try waitFor(10) { try carol.receivedAlerts().count >= 3 ? true : nil } == true, "carol did not get all three alerts")
        // A stranger's envelope, refused and counted.
        let port = try #require(try carol.status().listen?.split(separator: ":").last.map(String.init))
        _ = try run("/usr/bin/env", ["curl", "-s", "-o", "/dev/null", "--data-binary", "not an envelope", "http://127.0.0.1:\(port)/v1/envelope"])
        Thread.sleep(forTimeInterval: 0.5)

        func scrape(_ daemon: Daemon) throws -> String {
            let line = try #require(daemon.log.split(separator: "\n").first { $0.contains("metrics listener ready") })
            let port = try #require(line.split(separator: "port=").last.map(String.init))
            let answer = try run("/usr/bin/env", ["curl", "-sS", "-D", "-", "http://127.0.0.1:\(port)/metrics"])
            #expect(answer.stdout.contains("Content-Type: text/plain; version=0.0.4"), "\(answer.stdout.prefix(300))")
            return answer.stdout
        }
        let mine = try scrape(user)
        for series in [
            #"meetup_alerts_raised_total{reason="missed"} "#, #"meetup_alerts_raised_total{reason="panic"} 1"#,
            #"meetup_envelopes_delivered_total{type="alert"} "#, "meetup_delivery_latency_seconds_count ",
            "meetup_scheduler_lateness_seconds_count ", #"meetup_plans{state="alerted"} "#, #"meetup_plans{state="active"} "#,
            "meetup_outbox_depth ", "meetup_outbox_oldest_seconds ",
        ] {
            #expect(mine.contains(series), "user's metrics lack \(series)\n\(mine)")
        }
        #expect(!mine.contains("duress"), "a duress alert shows in the metrics")
        let theirs = try scrape(carol)
        #expect(theirs.contains("meetup_envelopes_accepted_total "), "\(theirs)")
        #expect(theirs.contains(#"meetup_envelopes_refused_total{reason="wrong-recipient"} 1"#), "\(theirs)")
        let identities = try [user, carol].map { try $0.status().nodeID }
        for text in [missed.plan, forced.plan, panicked.plan, "Alexandre", "Le Quetzal", "Carol", "Ulysse"] + identities {
            #expect(!mine.contains(text) && !theirs.contains(text), "\(text) in the metrics")
        }

        let health = try run("/usr/bin/env", ["curl", "-sS", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)/healthz"])
        #expect(health.stdout.hasSuffix("\n200"), "\(health.stdout)")
        #expect(health.stdout.contains(#""outbox_queued":0"#), "\(health.stdout)")
    }

    @Test("check-config prints each effective value and its source, secrets redacted; bad input is one line naming it, and changes nothing")
    func checkConfig() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory + "/home", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let home = directory + "/home"
        try "log-level: debug\non-alert-webhook: https://hooks.example/token-9f3a\n".write(
            toFile: home + "/meetupd.yaml", atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["MEETUP_NAME"] = "Asso"
        let checked = try run(Binaries.meetupd, ["check-config", "--home", home, "--listen", "127.0.0.1:7801"], environment: environment)
        #expect(checked.status == 0, "\(checked.stderr)")
        let lines = checked.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(lines.contains("config file: \(home)/meetupd.yaml"))
        #expect(lines.contains("listen 127.0.0.1:7801 [--listen]"))
        #expect(lines.contains("name Asso [MEETUP_NAME]"))
        #expect(lines.contains("log-level debug [log-level in \(home)/meetupd.yaml]"))
        #expect(lines.contains("on-alert-webhook <redacted> [on-alert-webhook in \(home)/meetupd.yaml]"))
        #expect(lines.contains("retention 30d [default]"))
        #expect(!checked.stdout.contains("token-9f3a"))

        try "log-level: debug\nlisten-address: 0.0.0.0:1\n".write(toFile: home + "/meetupd.yaml", atomically: true, encoding: .utf8)
        let unknown = try run(Binaries.meetupd, ["check-config", "--home", home])
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "meetupd: error: config file \(home)/meetupd.yaml: unknown key \"listen-address\" (see docs/CONFIGURATION.md)\n")
        // The daemon refuses the same file before it touches anything.
        let fresh = directory + "/fresh"
        try FileManager.default.createDirectory(atPath: fresh, withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: home + "/meetupd.yaml", toPath: fresh + "/meetupd.yaml")
        let refused = try run(Binaries.meetupd, ["--home", fresh, "--listen", "127.0.0.1:0"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("unknown key \"listen-address\""), "\(refused.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fresh) == ["meetupd.yaml"], "the refused start wrote into the home")
        environment["MEETUP_PIN_FAILURE_LIMIT"] = "0"
        let variable = try run(Binaries.meetupd, ["check-config", "--home", directory + "/none"], environment: environment)
        #expect(variable.status == 1)
        #expect(variable.stderr == "meetupd: error: MEETUP_PIN_FAILURE_LIMIT: a whole number, 1 or more, not \"0\"\n")
    }

    @Test("SIGHUP reloads the hooks and the log level; a change that needs a restart is logged; a broken file changes nothing")
    func reload() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/meetupd.yaml"
        try "log-level: info\n".write(toFile: config, atomically: true, encoding: .utf8)
        let user = try Daemon.withPINs()
        let carol = try Daemon(extraArguments: ["--config", config])
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        let output = directory + "/hook.json"
        try "log-level: debug\non-alert-exec: cat > \(output)\nname: Renamed\n".write(toFile: config, atomically: true, encoding: .utf8)
        kill(carol.process.processIdentifier, SIGHUP)
        #expect(waitFor(5) { carol.log.contains("configuration reloaded applied=log-level,on-alert-exec needs_restart=name") }, "\(carol.log)")
        try "log-level: [broken\n".write(toFile: config, atomically: true, encoding: .utf8)
        kill(carol.process.processIdentifier, SIGHUP)
        #expect(waitFor(5) { carol.log.contains("configuration not reloaded; run meetupd check-config") }, "\(carol.log)")
        #expect(carol.process.isRunning)

        let plan = try user.arm(["--match", "Kiwi", "--place", "Cafe", "--every", "10m", "--for", "1h"])
        #expect(try user.ctl(["panic", plan.plan]).status == 0)
        #expect(waitFor(10) { ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("panic") }, "the reloaded hook did not run: \(carol.log)")
        // A debug line: an ack that cannot reach the stopped user's node is retried, and says so at debug.
        let alert = try #require(try carol.receivedAlerts().first)
        #expect(user.stop() == 0)
        #expect(try carol.ctl(["alerts", "ack", alert.id]).status == 0)
        #expect(waitFor(5) { carol.log.contains(" debug meetupd: envelope not delivered yet") }, "the reloaded log level did not apply: \(carol.log)")
    }
}

/// A Unix datagram socket bound to a path, as systemd's notification socket is.
final class DatagramListener {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
    }

    deinit { close(fd) }

    func receive(timeout: TimeInterval) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[0 ..< count], as: UTF8.self) : nil
    }
}
