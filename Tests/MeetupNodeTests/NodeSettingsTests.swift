import Foundation
import MeetupControl
@testable import MeetupNode
import Testing

/// The three sources and their precedence, and the refusals, on real files.
@Suite("settings")
struct NodeSettingsTests {
    let directory: TemporaryDirectory
    let home: NodeHome

    init() throws {
        directory = try TemporaryDirectory()
        home = NodeHome(path: directory.path, isExplicit: true)
    }

    func file(_ text: String, name: String = NodeSettings.fileName) throws -> String {
        let path = directory.path + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func load(flags: [String: String] = [:], environment: [String: String] = [:], config: String? = nil) async throws -> NodeSettings {
        try await NodeSettings.load(flags: flags, environment: environment, configPath: config, home: home)
    }

    @Test("flags over MEETUP_* variables over the file over the defaults, each value naming its source")
    func precedence() async throws {
        let path = try file("listen: 127.0.0.1:7001\nlog-level: debug\npin-failure-limit: 7\nretention: 10d\n")
        let settings = try await load(
            flags: ["listen": "127.0.0.1:7003"],
            environment: ["MEETUP_LISTEN": "127.0.0.1:7002", "MEETUP_LOG_LEVEL": "warning", "UNRELATED": "x"])
        #expect(settings.file == path, "<home>/meetupd.yaml is found without --config")
        func seen(_ setting: Setting) -> String {
            let value = settings.values.first { $0.setting == setting }!
            return "\(value.text ?? "nil") [\(value.origin)]"
        }
        #expect(seen(.listen) == "127.0.0.1:7003 [--listen]")
        #expect(seen(.logLevel) == "warning [MEETUP_LOG_LEVEL]")
        #expect(seen(.pinFailureLimit) == "7 [pin-failure-limit in \(path)]")
        #expect(seen(.guardianSlack) == "30s [default]")
        let configuration = settings.nodeConfiguration(home: home)
        #expect(configuration.listen == ListenAddress(host: "127.0.0.1", port: 7003))
        #expect(configuration.rules.pinFailureLimit == 7)
        #expect(configuration.retention == 10 * 86_400)
        #expect(configuration.guardianSlack == 30)
    }

    @Test("--config names a file elsewhere; MEETUP_CONFIG too; a named file that is missing is an error")
    func explicitFile() async throws {
        let path = try file("name: Asso\n", name: "elsewhere.yaml")
        #expect(try await load(config: path).text(.name) == "Asso")
        #expect(try await load(environment: ["MEETUP_CONFIG": path]).text(.name) == "Asso")
        await #expect(throws: ConfigError.unreadable(path: path + ".missing", reason: "no such file")) {
            try await load(config: path + ".missing")
        }
    }

    @Test("bad input names the key, the variable or the flag, and the value unless it is a secret")
    func refusals() async throws {
        let unknown = try file("listen: 127.0.0.1:7001\nlisten-adress: 0.0.0.0:1\n", name: "a.yaml")
        await #expect(throws: ConfigError.unknownKey("listen-adress", path: unknown)) { try await load(config: unknown) }
        let list = try file("advertise:\n  - http://a\n", name: "b.yaml")
        await #expect(throws: ConfigError.notAValue("advertise", path: list)) { try await load(config: list) }
        let home = try file("home: /tmp\n", name: "c.yaml")
        await #expect(throws: ConfigError.homeInFile(path: home)) { try await load(config: home) }
        let broken = try file("listen: : :\n", name: "d.yaml")
        await #expect(throws: ConfigError.self) { try await load(config: broken) }
        let wrongType = try file("pin-failure-limit: five\n", name: "e.yaml")
        await #expect(throws: ConfigError.invalid(origin: "pin-failure-limit in \(wrongType)", reason: "a whole number, 1 or more", value: "five")) {
            try await load(config: wrongType)
        }
        await #expect(throws: ConfigError.invalid(origin: "MEETUP_LOG_FORMAT", reason: "one of text, json", value: "xml")) {
            try await load(environment: ["MEETUP_LOG_FORMAT": "xml"])
        }
        await #expect(throws: ConfigError.invalid(origin: "--retention", reason: "a duration like 30s, 2m or 30d, at least 1h", value: "5m")) {
            try await load(flags: ["retention": "5m"])
        }
        do {
            _ = try await load(environment: ["MEETUP_ON_ALERT_WEBHOOK": "ftp://token-77@x"])
            Issue.record("a bad webhook URL was accepted")
        } catch {
            #expect("\(error)".hasPrefix("MEETUP_ON_ALERT_WEBHOOK: "), "\(error)")
            #expect(!"\(error)".contains("token-77"), "a secret printed in an error")
        }
    }

    @Test("the example file in contrib/ checks out and changes no default; it and docs/CONFIGURATION.md name every setting")
    func exampleFile() async throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("contrib/meetupd.yaml").path
        let settings = try await load(config: example)
        for value in settings.values {
            #expect(value.origin == "default", "\(value.setting.key) is set in contrib/meetupd.yaml")
        }
        let text = try String(contentsOfFile: example, encoding: .utf8)
        let docs = try String(contentsOfFile: example.replacingOccurrences(of: "contrib/meetupd.yaml", with: "docs/CONFIGURATION.md"), encoding: .utf8)
        for setting in Setting.all {
            #expect(text.contains("# \(setting.key):"), "contrib/meetupd.yaml does not document \(setting.key)")
            #expect(docs.contains("| `\(setting.key)` | `\(setting.environmentVariable)` |"), "docs/CONFIGURATION.md lacks \(setting.key)")
        }
    }
}

@Suite("check-config report")
struct NodeSettingsReportTests {
    @Test("each setting with its value and source; secrets redacted from every source, empty and unset told apart")
    func report() async throws {
        let directory = try TemporaryDirectory()
        let home = NodeHome(path: directory.path, isExplicit: true)
        let settings = try await NodeSettings.load(
            flags: ["on-alert-webhook": "https://hooks.example/T0KEN", "name": ""],
            environment: ["MEETUP_ON_ALERT_EXEC": "/usr/local/bin/page --token S3CRET"], configPath: nil, home: home)
        let report = settings.report(home: home)
        let lines = report.split(separator: "\n").map(String.init)
        #expect(lines[0] == "config file: none")
        #expect(lines[1] == "home: \(directory.path)")
        #expect(lines.count == 2 + Setting.all.count)
        #expect(!report.contains("T0KEN") && !report.contains("S3CRET"))
        func line(_ key: String) -> String { lines.first { $0.hasPrefix(key + " ") }!.split(separator: " ").joined(separator: " ") }
        #expect(line("on-alert-webhook") == "on-alert-webhook <redacted> [--on-alert-webhook]")
        #expect(line("on-alert-exec") == "on-alert-exec <redacted> [MEETUP_ON_ALERT_EXEC]")
        #expect(line("on-alert-ntfy") == "on-alert-ntfy (unset) [default]")
        #expect(line("name") == "name \"\" [--name]")
    }
}
