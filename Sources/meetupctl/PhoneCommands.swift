import ArgumentParser
import Foundation
import MeetupControl
import MeetupQR

/// `meetupctl link [PLAN]`: the plan's check-in page for the phone's browser, as a URL and a QR code.
struct LinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Print the plan's check-in page link (and QR code) for your phone; --revoke ends it.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: PlanArgument
    @Flag(help: "Revoke the link: it stops working at once; a later `link` makes a new one.") var revoke = false

    func run() async throws {
        let client = global.client()
        if revoke {
            let done = try await client.revokeLink(target.plan)
            if global.json { return try Output.printJSON(done) }
            return print("Link revoked.")
        }
        let link = try await client.link(target.plan)
        if global.json { return try Output.printJSON(link) }
        print(link.url)
        Output.printQRCode(link.url)
        print("Open it on your phone: I'm OK and I'm home take your PIN; Help needs none.")
        print("Anyone with this link can press Help for you. Revoke it with: meetupctl link \(link.plan) --revoke")
        if let warning = link.warning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
    }
}

/// `meetupctl owntracks setup`: credentials for the OwnTracks app, which then reports the phone's location.
struct OwnTracksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "owntracks", abstract: "Connect the OwnTracks app: live location during plans.",
        subcommands: [OwnTracksSetupCommand.self])
}

struct OwnTracksSetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Print what to enter in the OwnTracks app: the settings in force, or new ones with --rotate.")

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Make a new password and encryption key: the old ones stop working, and the phone must be set up again.")
    var rotate = false

    func run() async throws {
        let setup = try await global.client().setUpOwnTracks(rotate: rotate)
        if global.json { return try Output.printJSON(setup) }
        var rows = [("mode", "HTTP"), ("url", setup.url), ("username", setup.username), ("password", setup.password),
                    ("encryption key", setup.encryptionKey), ("monitoring", "move")]
        if let at = setup.lastReportAt {
            rows.append(("last report", Output.time(at) + (setup.lastBattery.map { ", battery \($0)%" } ?? "")))
        }
        Output.printTable(rows)
        print("\nOr scan this with the phone's camera to configure the app in one step (it holds the password):")
        Output.printQRCode(setup.configURL)
        print("Locations join the trail of plans that have started, and never count as a check-in.")
        if setup.rotated, !rotate {
            print("These are new settings: enter them in the app.")
        } else if setup.rotated {
            print("New settings: the old password and key no longer work; set the phone up again.")
        }
        if let warning = setup.warning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
    }
}
