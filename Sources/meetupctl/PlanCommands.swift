import ArgumentParser
import Foundation
import MeetupControl

/// `PLAN` may be left out when exactly one plan is running.
struct PlanArgument: ParsableArguments {
    @Argument(help: "The plan id (default: the one running plan).")
    var plan: String?
}

struct PINSource: ParsableArguments {
    @Flag(help: "Read the PIN from the first line of standard input.")
    var pinStdin = false

    func read() throws -> String {
        try PINInput.read(fromStdin: pinStdin)
    }
}

struct CheckInCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checkin", abstract: "Check in: you are fine.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: PlanArgument
    @OptionGroup var pin: PINSource

    func run() async throws {
        let plan = try await global.client().checkIn(target.plan, pin: try pin.read())
        if global.json { return try Output.printJSON(plan) }
        print("Checked in.")
        Output.printPlan(plan)
    }
}

struct DoneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "done", abstract: "End a plan: you are safe.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: PlanArgument
    @OptionGroup var pin: PINSource

    func run() async throws {
        let plan = try await global.client().done(target.plan, pin: try pin.read())
        if global.json { return try Output.printJSON(plan) }
        print("Plan \(plan.plan) ended.")
    }
}

struct ExtendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "extend", abstract: "Move a plan's end.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: PlanArgument
    @Option(help: "Extend by a duration, like 30m.") var by: String?
    @Option(help: "Extend until a time: 23:30 (the next one), 2026-12-01 23:30, or ISO 8601 with a zone.") var until: String?
    @OptionGroup var pin: PINSource

    func run() async throws {
        let request = ExtendRequest(pin: try pin.read(), by: by, until: until.map(ArmCommand.local))
        let plan = try await global.client().extend(target.plan, request)
        if global.json { return try Output.printJSON(plan) }
        print("Extended.")
        Output.printPlan(plan)
    }
}

struct WhereCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "where", abstract: "Record where you are (never counts as a check-in).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "[PLAN] LAT,LON") var arguments: [String]
    @Option(help: "Accuracy in metres.") var accuracy: Double?

    func validate() throws {
        guard (1...2).contains(arguments.count) else { throw ValidationError("expected [PLAN] LAT,LON") }
    }

    func run() async throws {
        let plan = arguments.count == 2 ? arguments[0] : nil
        let status = try await global.client().location(plan, LocationRequest(geo: arguments.last!, accuracy: accuracy))
        if global.json { return try Output.printJSON(status) }
        print("Location recorded.")
    }
}

struct PanicCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "panic", abstract: "Alert your contacts now. No PIN needed; with no plan running, every contact.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: PlanArgument

    func run() async throws {
        let plan = try await global.client().panic(target.plan)
        if global.json { return try Output.printJSON(plan) }
        print("Alert raised for plan \(plan.plan).")
    }
}

struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "A plan's history: times and kinds, never details.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: PlanArgument

    func run() async throws {
        let log = try await global.client().log(target.plan)
        if global.json { return try Output.printJSON(log) }
        for event in log.events { print("\(Output.time(event.at))  \(event.kind)") }
    }
}

struct PlansCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plans", abstract: "The plans running: id, phase, start, next check-in and place.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Also the plans that have ended and are still kept.") var all = false

    func run() async throws {
        let list = try await global.client().plans()
        let plans = PlanList(plans: list.plans.filter { all || !$0.phase.isEnded })
        if global.json { return try Output.printJSON(plans) }
        guard !plans.plans.isEmpty else { return print(all ? "No plans." : "No plan is running.") }
        Output.printPlanList(plans.plans)
    }
}
