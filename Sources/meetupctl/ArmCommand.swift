import ArgumentParser
import Foundation
import MeetupControl

struct ArmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arm", abstract: "Arm a check-in plan before a meetup.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "The match's pseudonym (required).") var match: String?
    @Option(help: "Where you meet (required).") var place: String?
    @Option(help: "The place's coordinates, LAT,LON.") var geo: String?
    @Option(help: "Where you met them (site or app).") var platform: String?
    @Option(help: "Their profile URL.") var profile: String?
    @Option(help: "Their phone number.") var phone: String?
    @Option(help: "A note for your contacts.") var note: String?
    @Option(help: "A photo of them: JPEG, PNG or WebP, 5 MiB at most.") var photo: String?
    @Option(help: "When the plan starts: ISO 8601 or +DURATION (default: now).") var start: String?
    @Option(help: "Check-in interval, like 15m (default 15m).") var every: String?
    @Option(help: "Grace after a missed check-in before the alert, like 5m (default 5m).") var grace: String?
    @Option(help: "When the plan ends, ISO 8601.") var until: String?
    @Option(name: .customLong("for"), help: "How long the plan runs, like 3h (default 3h).") var length: String?
    @Option(help: "Contacts to alert, comma-separated (default: all).") var contacts: String?
    @Option(help: "How long tier-1 contacts have to acknowledge before tier-2 contacts are alerted (default 5m).")
    var escalateAfter: String?

    func run() async throws {
        var photoBytes: Data?
        if let photo {
            guard let bytes = FileManager.default.contents(atPath: photo) else {
                throw ValidationFailure("--photo \(photo): no such file, or it cannot be read")
            }
            photoBytes = bytes
        }
        let request = ArmRequest(
            match: match, place: place, geo: geo, platform: platform, profile: profile, phone: phone, note: note,
            photo: photoBytes, start: start, every: every, grace: grace, until: until, length: length,
            contacts: contacts?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
            escalateAfter: escalateAfter)
        var plan = try await global.client().arm(request)
        if !plan.guardians.isEmpty {
            // Give the guardians a few seconds to confirm; a calm word if none does.
            let client = global.client()
            for _ in 0 ..< 30 where !plan.guardians.contains(where: { $0.state == "confirmed" }) {
                try await Task.sleep(for: .milliseconds(100))
                plan = try await client.plan(plan.plan)
            }
            if !plan.guardians.contains(where: { $0.state == "confirmed" }) {
                FileHandle.standardError.write(Data(
                    "note: not yet watched by a guardian; meetupctl status \(plan.plan) shows when one confirms.\n".utf8))
            }
        }
        if plan.contacts.isEmpty {
            FileHandle.standardError.write(Data(
                "warning: you have no contacts: an alert would reach no one. Add one with meetupctl contacts add.\n".utf8))
        }
        if global.json { return try Output.printJSON(plan) }
        print("Armed plan \(plan.plan).")
        Output.printPlan(plan)
    }
}

/// A refusal found before the daemon was asked (a file that cannot be read): exit 1, like the daemon's.
struct ValidationFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
