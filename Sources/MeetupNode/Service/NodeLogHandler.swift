import Foundation
import Logging
import Synchronization

/// How `meetupd` writes its log: one line per event on standard error, as text for people or JSON for
/// collectors (`--log-format`). The level lives in a box shared by every logger, so a reload can change it
/// while the daemon runs. Lines carry the message and its metadata (ids and states, never details:
/// docs/SECURITY.md); nothing is added here.
public struct NodeLogHandler: LogHandler {
    public enum Format: String, CaseIterable, Sendable {
        case text
        case json
    }

    /// The level every handler made from it obeys; set it to change them all at once.
    public final class Level: Sendable {
        private let value: Mutex<Logger.Level>
        public init(_ level: Logger.Level) { value = Mutex(level) }
        public var current: Logger.Level {
            get { value.withLock { $0 } }
            set { value.withLock { $0 = newValue } }
        }
    }

    public let label: String
    public let format: Format
    public let level: Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let write: @Sendable (String) -> Void

    public init(label: String, format: Format, level: Level, write: @escaping @Sendable (String) -> Void = NodeLogHandler.standardError) {
        self.label = label
        self.format = format
        self.level = level
        self.write = write
    }

    /// One `write(2)` per line, so that lines never interleave; a failed write (the journal restarting) is
    /// ignored rather than fatal, as `FileHandle.write` would make it.
    public static let standardError: @Sendable (String) -> Void = { line in
        let bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { return }
            offset += written
        }
    }

    /// Set on one logger, a level holds for that logger only (swift-log's rule); the others follow the box.
    private var ownLevel: Logger.Level?

    public var logLevel: Logger.Level {
        get { ownLevel ?? level.current }
        set { ownLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let time = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        write(line(time: time, level: event.level, message: event.message.description, metadata: all))
    }

    func line(time: String, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        let keys = metadata.keys.sorted()
        switch format {
        case .text:
            let pairs = keys.map { " \($0)=\(metadata[$0]!)" }.joined()
            return "\(time) \(level) \(label): \(message)\(pairs)\n"
        case .json:
            var fields = ["\"time\":\(Self.quoted(time))", "\"level\":\(Self.quoted(level.rawValue))",
                          "\"label\":\(Self.quoted(label))", "\"message\":\(Self.quoted(message))"]
            fields += keys.filter { !["time", "level", "label", "message"].contains($0) }
                .map { "\(Self.quoted($0)):\(Self.json(metadata[$0]!))" }
            return "{" + fields.joined(separator: ",") + "}\n"
        }
    }

    private static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case let .string(text): quoted(text)
        case let .stringConvertible(convertible): quoted(convertible.description)
        case let .array(values): "[" + values.map(json).joined(separator: ",") + "]"
        case let .dictionary(entries):
            "{" + entries.keys.sorted().map { "\(quoted($0)):\(json(entries[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
