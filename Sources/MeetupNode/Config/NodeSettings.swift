import CheckInCore
import Configuration
import Foundation
import MeetupControl
import MeetupProtocol
import SystemPackage
import Yams

/// `meetupd`'s settings from three sources, read with swift-configuration in this precedence: flags given
/// on the command line, then `MEETUP_*` environment variables, then the YAML file (`--config PATH` or
/// `$MEETUP_CONFIG`, else `<home>/meetupd.yaml` when present), then the built-in defaults. Every value is
/// checked here, so that a bad one is refused at start (or by `check-config`) naming where it came from.
public struct NodeSettings: Sendable, CustomStringConvertible {
    public struct Value: Sendable {
        public let setting: Setting
        public let text: String?
        /// Where the value came from: `--flag`, `MEETUP_VAR`, `key in PATH`, or `default`.
        public let origin: String
    }

    public static let fileName = "meetupd.yaml"

    /// Keys and origins only: values may be secrets, and services are logged by description.
    public var description: String {
        "NodeSettings(file: \(file ?? "none"), " + values.map { "\($0.setting.key): \($0.origin)" }.joined(separator: ", ") + ")"
    }
    public let values: [Value]
    /// The file read, if any.
    public let file: String?

    /// Reads and checks every setting. `flags` holds only the flags given, by key.
    public static func load(
        flags: [String: String], environment: [String: String], configPath: String?, home: NodeHome
    ) async throws(ConfigError) -> NodeSettings {
        let explicit = configPath ?? environment["MEETUP_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        let path: String? = explicit ?? {
            let found = home.path + "/" + fileName
            return FileManager.default.fileExists(atPath: found) ? found : nil
        }()
        var providers: [any ConfigProvider] = [
            InMemoryProvider(
                name: "flags",
                values: Dictionary(uniqueKeysWithValues: flags.map { key, value in
                    (AbsoluteConfigKey([key]), ConfigValue(.string(value), isSecret: Setting.all.contains { $0.key == key && $0.secret }))
                })),
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: ConfigKey(["meetup"])),
        ]
        // A file of comments only (the example, copied) sets nothing; the library refuses an empty document.
        if let path, try checkKeys(path: path) {
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(path)))
            } catch {
                throw .malformed(path: path, reason: Self.oneLine(error))
            }
        }
        let reader = ConfigReader(providers: providers)
        var values: [Value] = []
        for setting in Setting.all {
            let key = ConfigKey([setting.key])
            let origin: String
            let text: String?
            if let given = reader.string(forKey: key, isSecret: setting.secret) {
                text = given
                if flags[setting.key] != nil {
                    origin = setting.flag
                } else if environment[setting.environmentVariable] != nil {
                    origin = setting.environmentVariable
                } else {
                    origin = "\(setting.key) in \(path ?? "the file")"
                }
            } else {
                text = setting.defaultValue
                origin = "default"
            }
            if let text { try check(text, for: setting, origin: origin) }
            values.append(Value(setting: setting, text: text, origin: origin))
        }
        let settings = NodeSettings(values: values, file: path)
        if settings.text(.proxyOnlyOnion) == "true", settings.text(.proxy) == nil {
            let origin = values.first { $0.setting == .proxyOnlyOnion }?.origin ?? Setting.proxyOnlyOnion.flag
            throw .invalid(origin: origin, reason: "needs --proxy socks5h://HOST:PORT, the proxy the .onion endpoints go through", value: nil)
        }
        return settings
    }

    private static func oneLine(_ error: any Error) -> String {
        "\(error)".split(separator: "\n").first.map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: ": ")) } ?? "\(error)"
    }

    public func text(_ setting: Setting) -> String? {
        values.first { $0.setting == setting }?.text
    }

    /// The node's configuration from the checked values.
    public func nodeConfiguration(home: NodeHome) -> NodeConfiguration {
        NodeConfiguration(
            home: home,
            listen: text(.listen).flatMap { try? ListenAddress(parsing: $0) } ?? ListenAddress(host: "127.0.0.1", port: ListenAddress.defaultPort),
            advertise: text(.advertise),
            rules: CheckInRules(pinFailureLimit: text(.pinFailureLimit).flatMap { Int($0) } ?? 5),
            name: text(.name) ?? "",
            hooks: hooks,
            guardianSlack: seconds(.guardianSlack) ?? 30,
            retention: seconds(.retention) ?? NodeConfiguration.defaultRetention,
            metricsListen: text(.metricsListen).flatMap { try? ListenAddress(parsing: $0) },
            peerConnectionLimit: text(.peerConnectionLimit).flatMap { Int($0) } ?? NodeConfiguration.defaultPeerConnectionLimit,
            proxy: text(.proxy).flatMap { try? PeerProxy(parsing: $0, onlyOnion: text(.proxyOnlyOnion) == "true") },
            mailboxLimits: MailboxLimits(
                messages: text(.mailboxMessages).flatMap { Int($0) } ?? NodeConfiguration.defaultMailboxLimits.messages,
                bytes: text(.mailboxBytes).flatMap(ByteCountText.parse) ?? NodeConfiguration.defaultMailboxLimits.bytes,
                ttl: seconds(.mailboxTTL) ?? NodeConfiguration.defaultMailboxLimits.ttl))
    }

    public var hooks: HookConfiguration {
        HookConfiguration(
            alert: HookTargets(exec: text(.onAlertExec), webhook: text(.onAlertWebhook), ntfy: text(.onAlertNtfy)),
            reminder: HookTargets(exec: text(.onReminderExec), webhook: text(.onReminderWebhook), ntfy: text(.onReminderNtfy)),
            details: text(.hookDetails) == "true")
    }

    private func seconds(_ setting: Setting) -> TimeInterval? {
        text(setting).flatMap { try? DurationText.parse($0) }.map(TimeInterval.init)
    }

    /// The file's keys, before any value is read: an unknown key or a value that is not a single value is
    /// refused, naming the key, rather than silently ignored. False when the file sets nothing.
    private static func checkKeys(path: String) throws(ConfigError) -> Bool {
        let contents: String
        guard FileManager.default.fileExists(atPath: path) else { throw .unreadable(path: path, reason: "no such file") }
        do {
            contents = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: access(path, R_OK) == 0 ? "not UTF-8 text" : "permission denied")
        }
        let root: Yams.Node?
        do { root = try Yams.compose(yaml: contents) } catch { throw .malformed(path: path, reason: Self.oneLine(error)) }
        guard let root else { return false }
        guard let mapping = root.mapping else { throw .malformed(path: path, reason: "the top level is not a mapping of keys to values") }
        let known = Set(Setting.all.map(\.key))
        for (key, value) in mapping {
            guard let name = key.string else { throw .malformed(path: path, reason: "a key is not text") }
            if name == "home" { throw .homeInFile(path: path) }
            guard known.contains(name) else { throw .unknownKey(name, path: path) }
            guard value.scalar != nil else { throw .notAValue(name, path: path) }
        }
        return !mapping.isEmpty
    }

    private static func check(_ text: String, for setting: Setting, origin: String) throws(ConfigError) {
        func refuse(_ reason: String) -> ConfigError {
            .invalid(origin: origin, reason: reason, value: setting.secret ? nil : text)
        }
        switch setting.kind {
        case let .text(maximumBytes):
            guard text.utf8.count <= maximumBytes else { throw refuse("at most \(maximumBytes) bytes") }
        case let .whole(minimum):
            guard let number = Int(text), number >= minimum else { throw refuse("a whole number, \(minimum) or more") }
        case let .duration(minimumSeconds):
            guard let seconds = try? DurationText.parse(text), seconds >= minimumSeconds else {
                throw refuse("a duration like 30s, 2m or 30d" + (minimumSeconds > 0 ? ", at least \(DurationText.format(minimumSeconds))" : ""))
            }
        case .flag:
            guard text == "true" || text == "false" else { throw refuse("true or false") }
        case let .choice(choices):
            guard choices.contains(text) else { throw refuse("one of " + choices.joined(separator: ", ")) }
        case .listenAddress:
            // The parser's message quotes the value already.
            do { _ = try ListenAddress(parsing: text) } catch { throw .invalid(origin: origin, reason: "\(error)", value: nil) }
        case let .byteCount(minimumBytes):
            guard let bytes = ByteCountText.parse(text), bytes >= minimumBytes else {
                throw refuse("a size like 64M, 512K or a number of bytes, at least \(ByteCountText.format(minimumBytes))")
            }
        case .proxyURL:
            // The parser's message quotes the value already.
            do { _ = try PeerProxy(parsing: text, onlyOnion: false) } catch { throw .invalid(origin: origin, reason: "\(error)", value: nil) }
        case .httpURL:
            do { _ = try validateAdvertiseURL(text) } catch {
                throw refuse("an http:// or https:// URL (lowercase) with a host, at most \(ContactCard.urlLimit) bytes, like http://203.0.113.7:7744")
            }
        }
    }
}

/// A configuration that cannot be used: one line naming the file, key, variable or flag.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case unknownKey(String, path: String)
    case notAValue(String, path: String)
    case homeInFile(path: String)
    /// `value` is nil for secrets, which are never printed.
    case invalid(origin: String, reason: String, value: String?)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "config file \(path): cannot be read: \(reason)"
        case let .malformed(path, reason): "config file \(path): not valid YAML: \(reason)"
        case let .unknownKey(key, path): "config file \(path): unknown key \"\(key)\" (see docs/CONFIGURATION.md)"
        case let .notAValue(key, path): "config file \(path): \(key): a single value, not a list or a mapping"
        case let .homeInFile(path): "config file \(path): home: set it with --home or MEETUP_HOME, not in the file"
        case let .invalid(origin, reason, value): "\(origin): \(reason)" + (value.map { ", not \"\($0)\"" } ?? "")
        }
    }
}
