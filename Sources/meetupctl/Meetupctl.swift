import ArgumentParser
import Foundation
import MeetupControl

/// The CLI: parses, calls `ControlClient`, prints. Every decision is the daemon's.
struct Meetupctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meetupctl",
        abstract: "Arm, check in and end meetup check-in plans on the local meetupd.",
        version: MeetupVersion.current,
        subcommands: [
            PinCommand.self, ArmCommand.self, CheckInCommand.self, WhereCommand.self, ExtendCommand.self,
            DoneCommand.self, PanicCommand.self, PlansCommand.self, StatusCommand.self, LogCommand.self, IdCommand.self,
            LinkCommand.self, OwnTracksCommand.self, ContactsCommand.self, MailboxCommand.self, AlertsCommand.self, PurgeCommand.self,
            ExportCommand.self,
        ])
}

/// `--home DIR` and `--json`, accepted before or after the subcommand (see `GlobalOptionHoisting`).
struct GlobalOptions: ParsableArguments {
    @Option(help: "Home directory of the meetupd to talk to (default: $MEETUP_HOME, else the XDG state dir).")
    var home: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    var nodeHome: NodeHome {
        NodeHome.resolve(flag: home, environment: ProcessInfo.processInfo.environment)
    }

    func client() -> ControlClient {
        ControlClient(socketPath: nodeHome.controlSocketPath)
    }
}
