import ArgumentParser
import Foundation
import MeetupControl

struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts", abstract: "Alerts your contacts' nodes sent you.",
        subcommands: [AlertsList.self, AlertsShow.self, AlertsAck.self], defaultSubcommand: AlertsList.self)
}

struct AlertID: ParsableArguments {
    @Argument(help: "The alert's id, as meetupctl alerts prints it.") var id: String
}

struct AlertsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Received alerts, newest first (default: those not yet acknowledged or resolved).")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Include acknowledged and resolved alerts.") var all = false

    func run() async throws {
        let alerts = try await global.client().receivedAlerts(all: all).alerts
        if global.json { return try Output.printJSON(alerts) }
        guard !alerts.isEmpty else { return print(all ? "No alerts received." : "No open alerts. (--all shows every alert kept.)") }
        for alert in alerts {
            var state = alert.resolved ? "resolved" : alert.acked ? "acknowledged" : "OPEN"
            if alert.checkedInAt != nil, !alert.resolved { state += ", checked in after" }
            print(TerminalText.clean("\(alert.id)  \(Output.time(alert.receivedAt))  from \(alert.from)  \(alert.reason)  \(state)"))
            print(TerminalText.clean("    meeting \(alert.match.pseudonym) at \(alert.place)"))
            for ack in alert.acks { print(TerminalText.clean("    \(ack.name) is on it since \(Output.time(ack.at))")) }
        }
    }
}

struct AlertsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Everything an alert says.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var alert: AlertID
    @Option(help: "Write the match's photo to this file.") var savePhoto: String?

    func run() async throws {
        var alert = try await global.client().receivedAlert(self.alert.id)
        if let savePhoto {
            guard let photo = alert.photo else { throw ValidationFailure("--save-photo: this alert has no photo") }
            guard FileManager.default.createFile(atPath: savePhoto, contents: photo, attributes: [.posixPermissions: 0o600]) else {
                throw ValidationFailure("--save-photo \(savePhoto): cannot write the file")
            }
        }
        if global.json { return try Output.printJSON(alert) }
        alert.photo = nil
        Output.printReceivedAlert(alert)
        if let savePhoto { print("\nPhoto saved to \(savePhoto).") }
    }
}

struct AlertsAck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack", abstract: "Tell the sender you have seen the alert and are acting on it.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var alert: AlertID

    func run() async throws {
        let acked = try await global.client().ackAlert(alert.id)
        if global.json { return try Output.printJSON(acked) }
        if acked.toldSender {
            print("Acknowledged. \(TerminalText.clean(acked.alert.from))'s node will be told.")
        } else {
            print("Acknowledged here. \(TerminalText.clean(acked.alert.from)) is no longer a contact, so their node cannot be told.")
        }
    }
}
