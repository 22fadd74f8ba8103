import ArgumentParser
import CheckInCore
import Foundation
import Logging
import MeetupControl
import MeetupNode
import ServiceLifecycle

/// The daemon: reads its flags, builds the node, runs its services in one group until SIGTERM or SIGINT.
@main
struct Meetupd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meetupd",
        abstract: "The meetup check-in daemon: watches check-in plans and alerts trusted contacts.",
        version: MeetupVersion.current)

    @Option(help: "Home directory (default: $MEETUP_HOME, else $XDG_STATE_HOME/meetup, else ~/.local/state/meetup).")
    var home: String?

    @Option(help: "Peer endpoint to listen on, HOST:PORT; port 0 picks a free one.")
    var listen = "127.0.0.1:\(ListenAddress.defaultPort)"

    @Option(help: "URL contacts use to reach this node (default: http:// and the listen address).")
    var advertise: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Log format: text (one line per event for people) or json (one object per line for collectors).")
    var logFormat: NodeLogHandler.Format = .text

    @Option(help: "Wrong PINs in a row on a plan that silently alert its contacts.")
    var pinFailureLimit = 5

    @Option(help: "The name in this node's contact card: a hint; contacts choose their own name for you.")
    var name = ""

    @Option(help: "Run this shell command when an alert arrives, with a JSON summary on its standard input.")
    var onAlertExec: String?

    @Option(help: "POST a JSON summary to this URL when an alert arrives.")
    var onAlertWebhook: String?

    @Option(help: "Publish to this ntfy topic URL when an alert arrives (ntfy's plain-text format).")
    var onAlertNtfy: String?

    @Flag(help: "Give hooks the match's pseudonym, the place and a map link too (default: ids, sender and reason).")
    var hookDetails = false

    @Option(help: "As a guardian: how long after a watched plan's deadline + grace to raise the alarm, like 30s.")
    var guardianSlack = "30s"

    @Option(help: "Serve Prometheus metrics at http://HOST:PORT/metrics (off by default), like 127.0.0.1:9744.")
    var metricsListen: String?

    @Option(help: "How long to keep ended plans and acknowledged received alerts before purging them, like 30d.")
    var retention = "30d"

    func validate() throws {
        guard pinFailureLimit >= 1 else { throw ValidationError("--pin-failure-limit: must be 1 or more") }
        guard (try? DurationText.parse(guardianSlack)) != nil else {
            throw ValidationError("--guardian-slack: not a duration like 30s or 2m: \(guardianSlack)")
        }
        guard let kept = try? DurationText.parse(retention), kept >= 3_600 else {
            throw ValidationError("--retention: a duration of at least 1h, like 30d: \(retention)")
        }
        guard name.utf8.count <= 64 else { throw ValidationError("--name: at most 64 bytes") }
        for (flag, url) in [("--on-alert-webhook", onAlertWebhook), ("--on-alert-ntfy", onAlertNtfy)] {
            guard let url else { continue }
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw ValidationError("\(flag): not an http:// or https:// URL: \(url)")
            }
        }
    }

    func run() async throws {
        let level = NodeLogHandler.Level(logLevel)
        let format = logFormat
        LoggingSystem.bootstrap { label in NodeLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "meetupd")
        do {
            let configuration = NodeConfiguration(
                home: NodeHome.resolve(flag: home, environment: ProcessInfo.processInfo.environment),
                listen: try parseListen(listen, flag: "--listen"),
                advertise: try advertise.map { text throws(NodeStartError) in try validateAdvertiseURL(text) },
                rules: CheckInRules(pinFailureLimit: pinFailureLimit),
                name: name,
                hooks: HookConfiguration(
                    exec: onAlertExec, webhook: onAlertWebhook, ntfy: onAlertNtfy, details: hookDetails),
                guardianSlack: TimeInterval((try? DurationText.parse(guardianSlack)) ?? 30),
                retention: TimeInterval((try? DurationText.parse(retention)) ?? 30 * 86_400),
                metricsListen: try metricsListen.map { text throws(NodeStartError) in try parseListen(text, flag: "--metrics-listen") })
            let node = try Node(configuration: configuration, clock: SystemClock(), logger: logger)
            logger.info("starting", metadata: ["node_id": "\(node.keys.fingerprint.nodeID)"])
            let group = ServiceGroup(
                configuration: .init(
                    services: node.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
            logger.info("stopped")
        } catch let error as NodeStartError {
            FileHandle.standardError.write(Data("meetupd: error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func parseListen(_ text: String, flag: String) throws(NodeStartError) -> ListenAddress {
        do { return try ListenAddress(parsing: text) } catch { throw .badListenAddress(error, flag: flag) }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension NodeLogHandler.Format: ExpressibleByArgument {}
