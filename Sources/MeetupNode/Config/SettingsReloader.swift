import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP (`systemctl reload meetupd`): reads the settings again and applies what can change while the
/// daemon runs (the hooks and the log level); a change to anything else is logged as needing a restart. A
/// file that no longer checks out changes nothing, and the log says so.
public struct SettingsReloader: Service, CustomStringConvertible {
    /// ServiceLifecycle logs its services by description: this one holds the settings, secrets included.
    public var description: String { "SettingsReloader" }

    /// Replaced by a reload.
    let hooks: CurrentHooks
    let logger: Logger
    let level: NodeLogHandler.Level
    let current: NodeSettings
    let signals: UnixSignalsSequence
    let load: @Sendable () async throws(ConfigError) -> NodeSettings

    /// `signals` traps SIGHUP: made before the node starts, so that an early reload cannot end the process
    /// (SIGHUP's default action). The node gives its hooks and its logger.
    public init(
        node: Node, level: NodeLogHandler.Level, current: NodeSettings, signals: UnixSignalsSequence,
        load: @escaping @Sendable () async throws(ConfigError) -> NodeSettings
    ) {
        hooks = node.currentHooks
        logger = node.logger
        self.level = level
        self.current = current
        self.signals = signals
        self.load = load
    }

    public func run() async throws {
        let signals = signals
        let initial = current
        await cancelWhenGracefulShutdown {
            var current = initial
            for await _ in signals {
                SystemdNotify.send("RELOADING=1")
                current = await reload(from: current)
                SystemdNotify.send("READY=1")
            }
        }
    }

    /// Applies the reloadable changes; returns the settings now in force.
    func reload(from current: NodeSettings) async -> NodeSettings {
        let next: NodeSettings
        do {
            next = try await load()
        } catch {
            logger.error("configuration not reloaded; run meetupd check-config", metadata: ["error": "\(error.origin)"])
            return current
        }
        let changed = Setting.all.filter { current.text($0) != next.text($0) }
        let applied = changed.filter(\.reloadable)
        let pending = changed.filter { !$0.reloadable }
        hooks.replace(with: next.hooks)
        if let text = next.text(.logLevel), let newLevel = Logger.Level(rawValue: text) { level.current = newLevel }
        logger.notice(
            "configuration reloaded",
            metadata: ["applied": "\(applied.map(\.key).joined(separator: ","))",
                       "needs_restart": "\(pending.map(\.key).joined(separator: ","))"])
        // What needs a restart stays as it runs, so that the next reload reports it again.
        return pending.isEmpty ? next : current.replacing(applied, from: next)
    }
}

extension NodeSettings {
    /// These settings with `changed` taken from `other`.
    func replacing(_ changed: [Setting], from other: NodeSettings) -> NodeSettings {
        NodeSettings(
            values: values.map { value in changed.contains(value.setting) ? other.values.first { $0.setting == value.setting } ?? value : value },
            file: other.file)
    }
}

extension ConfigError {
    /// Where the problem is, without the value: what the log may hold.
    public var origin: String {
        switch self {
        case let .unreadable(path, _), let .malformed(path, _), let .homeInFile(path): path
        case let .unknownKey(key, path), let .notAValue(key, path): "\(key) in \(path)"
        case let .invalid(origin, _, _): origin
        }
    }
}
