import ArgumentParser
import CheckInCore
import Foundation
import MeetupControl

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show this node's identity and state.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let status = try await global.client().status()
        if global.json { return try Output.printJSON(status) }
        Output.printTable([
            ("node", status.nodeID),
            ("fingerprint", status.fingerprint),
            ("version", status.version),
            ("uptime", DurationText.format(status.uptimeSeconds)),
            ("listen", status.listen ?? "not yet listening"),
            ("advertise", status.advertise ?? "-"),
            ("home", status.home),
        ])
    }
}
