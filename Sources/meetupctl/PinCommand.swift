import ArgumentParser
import MeetupControl

struct PinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin", abstract: "Manage the PIN and the duress PIN.", subcommands: [SetPIN.self])

    struct SetPIN: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set the PIN and the duress PIN (two lines on stdin, or prompts on a terminal).",
            discussion: """
                The duress PIN works like the PIN, but silently alerts your contacts. With --change, the \
                current PIN comes first (a third line on stdin).
                """)

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Change PINs that are already set: the current PIN is asked first.")
        var change = false

        func run() async throws {
            let prompts = (change ? ["Current PIN"] : []) + ["New PIN", "Duress PIN"]
            let entries = try PINInput.readSeveral(prompts, confirm: true)
            let request = PINSetRequest(
                pin: entries[entries.count - 2], duressPIN: entries[entries.count - 1],
                currentPIN: change ? entries[0] : nil)
            let answer = try await global.client().setPIN(request)
            if global.json { return try Output.printJSON(answer) }
            print("PINs set.")
        }
    }
}
