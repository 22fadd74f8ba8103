import ArgumentParser
import CheckInCore
import Foundation
import MeetupControl

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show this node, or one plan.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "A plan id: show that plan instead of the node.") var plan: String?

    func run() async throws {
        let client = global.client()
        if let plan {
            let status = try await client.plan(plan)
            if global.json { return try Output.printJSON(status) }
            return Output.printPlan(status)
        }
        let status = try await client.status()
        if global.json { return try Output.printJSON(status) }
        var rows = [
            ("node", status.nodeID),
            ("fingerprint", status.fingerprint),
            ("version", status.version),
            ("uptime", DurationText.format(status.uptimeSeconds)),
            ("listen", status.listen ?? "not yet listening"),
            ("advertise", status.advertise ?? "-"),
            ("home", status.home),
            ("plans", "\(status.counts.plans)"),
            ("alerts", "\(status.counts.alerts)"),
            ("contacts", "\(status.counts.contacts)"),
            ("received alerts", "\(status.counts.received)"),
            ("outbox", "\(status.counts.outbox) queued"),
            ("watching", "\(status.counts.watching) plans, as a guardian"),
        ]
        if let at = status.ownTracksLastReport {
            rows.append(("owntracks", "last report " + Output.time(at) + (status.ownTracksBattery.map { ", battery \($0)%" } ?? "")))
        }
        Output.printTable(rows)
        for problem in status.problems { print("problem: \(problem)") }
        for plan in try await client.plans().plans where plan.phase != .done {
            print("")
            Output.printPlan(plan)
        }
    }
}

struct PurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete now what retention would delete: ended plans and acknowledged alerts older than meetupd --retention.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let result = try await global.client().purge()
        if global.json { return try Output.printJSON(result) }
        Output.printTable([
            ("plans", "\(result.plans)"),
            ("received alerts", "\(result.receivedAlerts)"),
            ("watches", "\(result.watches)"),
        ])
    }
}
