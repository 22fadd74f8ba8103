import ArgumentParser
import Foundation
import MeetupControl
import MeetupNode

/// The flags of `meetupd` and `meetupd check-config`: one per setting (Setting.swift, which holds the
/// help texts and defaults), plus the home and the config file. A flag not given leaves the setting to the
/// environment, the file or the default.
struct DaemonOptions: ParsableArguments {
    @Option(help: "Home directory (default: $MEETUP_HOME, else $XDG_STATE_HOME/meetup, else ~/.local/state/meetup).")
    var home: String?

    @Option(help: "YAML configuration file (default: $MEETUP_CONFIG, else <home>/meetupd.yaml when present).")
    var config: String?

    @Option(help: .init(Setting.listen.helpWithDefault)) var listen: String?
    @Option(help: .init(Setting.advertise.helpWithDefault)) var advertise: String?
    @Option(help: .init(Setting.name.helpWithDefault)) var name: String?
    @Option(help: .init(Setting.logLevel.helpWithDefault)) var logLevel: String?
    @Option(help: .init(Setting.logFormat.helpWithDefault)) var logFormat: String?
    @Option(help: .init(Setting.pinFailureLimit.helpWithDefault)) var pinFailureLimit: String?
    @Option(help: .init(Setting.guardianSlack.helpWithDefault)) var guardianSlack: String?
    @Option(help: .init(Setting.retention.helpWithDefault)) var retention: String?
    @Option(help: .init(Setting.metricsListen.helpWithDefault)) var metricsListen: String?
    @Option(help: .init(Setting.peerConnectionLimit.helpWithDefault)) var peerConnectionLimit: String?
    @Option(help: .init(Setting.proxy.helpWithDefault)) var proxy: String?
    @Flag(inversion: .prefixedNo, help: .init(Setting.proxyOnlyOnion.helpWithDefault)) var proxyOnlyOnion: Bool?
    @Option(help: .init(Setting.mailboxMessages.helpWithDefault)) var mailboxMessages: String?
    @Option(help: .init(Setting.mailboxBytes.helpWithDefault)) var mailboxBytes: String?
    @Option(name: .customLong("mailbox-ttl"), help: .init(Setting.mailboxTTL.helpWithDefault)) var mailboxTTL: String?
    @Option(help: .init(Setting.onAlertExec.helpWithDefault)) var onAlertExec: String?
    @Option(help: .init(Setting.onAlertWebhook.helpWithDefault)) var onAlertWebhook: String?
    @Option(help: .init(Setting.onAlertNtfy.helpWithDefault)) var onAlertNtfy: String?
    @Flag(inversion: .prefixedNo, help: .init(Setting.hookDetails.helpWithDefault)) var hookDetails: Bool?
    @Option(help: .init(Setting.onReminderExec.helpWithDefault)) var onReminderExec: String?
    @Option(help: .init(Setting.onReminderWebhook.helpWithDefault)) var onReminderWebhook: String?
    @Option(help: .init(Setting.onReminderNtfy.helpWithDefault)) var onReminderNtfy: String?

    /// The flags given, by setting key.
    var given: [String: String] {
        let pairs: [(Setting, String?)] = [
            (.listen, listen), (.advertise, advertise), (.name, name), (.logLevel, logLevel), (.logFormat, logFormat),
            (.pinFailureLimit, pinFailureLimit), (.guardianSlack, guardianSlack), (.retention, retention),
            (.metricsListen, metricsListen), (.peerConnectionLimit, peerConnectionLimit), (.proxy, proxy),
            (.proxyOnlyOnion, proxyOnlyOnion.map { "\($0)" }), (.mailboxMessages, mailboxMessages), (.mailboxBytes, mailboxBytes),
            (.mailboxTTL, mailboxTTL), (.onAlertExec, onAlertExec), (.onAlertWebhook, onAlertWebhook),
            (.onAlertNtfy, onAlertNtfy), (.hookDetails, hookDetails.map { "\($0)" }), (.onReminderExec, onReminderExec),
            (.onReminderWebhook, onReminderWebhook), (.onReminderNtfy, onReminderNtfy),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { setting, value in value.map { (setting.key, $0) } })
    }

    var nodeHome: NodeHome {
        NodeHome.resolve(flag: home, environment: ProcessInfo.processInfo.environment)
    }

    /// Reads every source; a bad value ends the command with one line naming it.
    func settings() async throws -> NodeSettings {
        do {
            return try await NodeSettings.load(
                flags: given, environment: ProcessInfo.processInfo.environment, configPath: config, home: nodeHome)
        } catch {
            FileHandle.standardError.write(Data("meetupd: error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
