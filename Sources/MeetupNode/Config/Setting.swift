import Foundation

/// One setting of `meetupd`, under one name everywhere: the flag `--KEY`, the key `KEY:` in the YAML file,
/// and the environment variable `MEETUP_KEY` (upper case, dashes as underscores). docs/CONFIGURATION.md
/// lists them all; `meetupd check-config` prints their effective values.
public struct Setting: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case text(maximumBytes: Int)
        case whole(minimum: Int)
        case duration(minimumSeconds: Int)
        case flag
        case choice([String])
        case listenAddress
        case httpURL
        case proxyURL
        case byteCount(minimumBytes: Int)
    }

    public let key: String
    public let kind: Kind
    /// The value when no source sets it; nil leaves it unset.
    public let defaultValue: String?
    /// Hook commands and URLs may hold tokens: `check-config` prints them redacted.
    public let secret: Bool
    /// Applied by a reload (SIGHUP) without a restart.
    public let reloadable: Bool
    public let help: String

    public var flag: String { "--" + key }
    /// The help text with the default, for `--help` and the man page.
    public var helpWithDefault: String {
        guard let defaultValue, !defaultValue.isEmpty, !help.contains("default") else { return help }
        return help + " (default: \(defaultValue))"
    }
    public var environmentVariable: String { "MEETUP_" + key.uppercased().replacingOccurrences(of: "-", with: "_") }

    init(_ key: String, _ kind: Kind, default defaultValue: String?, secret: Bool = false, reloadable: Bool = false, help: String) {
        self.key = key
        self.kind = kind
        self.defaultValue = defaultValue
        self.secret = secret
        self.reloadable = reloadable
        self.help = help
    }
}

extension Setting {
    public static let listen = Setting(
        "listen", .listenAddress, default: "127.0.0.1:\(ListenAddress.defaultPort)",
        help: "Peer endpoint to listen on, HOST:PORT; port 0 picks a free one.")
    public static let advertise = Setting(
        "advertise", .httpURL, default: nil,
        help: "URL contacts use to reach this node (default: http:// and the listen address).")
    public static let logLevel = Setting(
        "log-level", .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), default: "info",
        reloadable: true, help: "Log level: trace, debug, info, notice, warning, error or critical.")
    public static let logFormat = Setting(
        "log-format", .choice(["text", "json"]), default: "text",
        help: "Log format: text (one line per event for people) or json (one object per line for collectors).")
    public static let pinFailureLimit = Setting(
        "pin-failure-limit", .whole(minimum: 1), default: "5",
        help: "Wrong PINs in a row on a plan that silently alert its contacts.")
    public static let name = Setting(
        "name", .text(maximumBytes: 64), default: "",
        help: "The name in this node's contact card: a hint; contacts choose their own name for you.")
    public static let onAlertExec = Setting(
        "on-alert-exec", .text(maximumBytes: 4_096), default: nil, secret: true, reloadable: true,
        help: "Run this shell command when an alert arrives, with a JSON summary on its standard input.")
    public static let onAlertWebhook = Setting(
        "on-alert-webhook", .httpURL, default: nil, secret: true, reloadable: true,
        help: "POST a JSON summary to this URL when an alert arrives.")
    public static let onAlertNtfy = Setting(
        "on-alert-ntfy", .httpURL, default: nil, secret: true, reloadable: true,
        help: "Publish to this ntfy topic URL when an alert arrives (ntfy's plain-text format).")
    public static let onReminderExec = Setting(
        "on-reminder-exec", .text(maximumBytes: 4_096), default: nil, secret: true, reloadable: true,
        help: "Run this shell command to warn you before a deadline and when a check-in is overdue, with JSON on its standard input.")
    public static let onReminderWebhook = Setting(
        "on-reminder-webhook", .httpURL, default: nil, secret: true, reloadable: true,
        help: "POST a JSON warning to this URL before a deadline and when a check-in is overdue.")
    public static let onReminderNtfy = Setting(
        "on-reminder-ntfy", .httpURL, default: nil, secret: true, reloadable: true,
        help: "Publish your warnings (a deadline soon, a check-in overdue) to this ntfy topic URL, like your phone's.")
    public static let hookDetails = Setting(
        "hook-details", .flag, default: "false", reloadable: true,
        help: "Give hooks the match's pseudonym, the place and a map link too (default: ids, sender and reason).")
    public static let guardianSlack = Setting(
        "guardian-slack", .duration(minimumSeconds: 0), default: "30s",
        help: "As a guardian: how long after a watched plan's deadline + grace to raise the alarm, like 30s.")
    public static let metricsListen = Setting(
        "metrics-listen", .listenAddress, default: nil,
        help: "Serve Prometheus metrics at http://HOST:PORT/metrics (off by default), like 127.0.0.1:9744.")
    public static let peerConnectionLimit = Setting(
        "peer-connection-limit", .whole(minimum: 8), default: "\(NodeConfiguration.defaultPeerConnectionLimit)",
        help: "Connections the peer listener serves at once; more wait until one closes. Keep it under the file limit.")
    public static let proxy = Setting(
        "proxy", .proxyURL, default: nil,
        help: "Send envelopes, the watchdog's questions and mailbox fetches through this SOCKS5 proxy, like Tor's socks5h://127.0.0.1:9050.")
    public static let proxyOnlyOnion = Setting(
        "proxy-only-onion", .flag, default: "false",
        help: "Send only .onion endpoints through the proxy set by --proxy, the others direct.")
    public static let mailboxMessages = Setting(
        "mailbox-messages", .whole(minimum: 1), default: "500",
        help: "As a mailbox host: messages one mailbox holds at most, unless its grant says otherwise.")
    public static let mailboxBytes = Setting(
        "mailbox-bytes", .byteCount(minimumBytes: 1 << 20), default: "64M",
        help: "As a mailbox host: bytes one mailbox holds at most, like 64M, unless its grant says otherwise.")
    public static let mailboxTTL = Setting(
        "mailbox-ttl", .duration(minimumSeconds: 3_600), default: "7d",
        help: "As a mailbox host: how long a message waits to be fetched before it is dropped, like 7d.")
    public static let retention = Setting(
        "retention", .duration(minimumSeconds: 3_600), default: "30d",
        help: "How long to keep ended plans and acknowledged received alerts before purging them, like 30d.")

    /// Every setting, in the order `check-config` and docs/CONFIGURATION.md list them. The home is not one:
    /// it is where the file may live, so it comes from `--home` or `MEETUP_HOME` only.
    public static let all: [Setting] = [
        listen, advertise, name, logLevel, logFormat, pinFailureLimit, guardianSlack, retention, metricsListen,
        peerConnectionLimit, proxy, proxyOnlyOnion, mailboxMessages, mailboxBytes, mailboxTTL,
        onAlertExec, onAlertWebhook, onAlertNtfy, hookDetails, onReminderExec, onReminderWebhook, onReminderNtfy,
    ]
}
