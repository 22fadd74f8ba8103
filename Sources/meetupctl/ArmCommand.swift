import ArgumentParser
import CheckInCore
import Foundation
import MeetupControl

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct ArmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arm", abstract: "Arm a check-in plan before a meetup.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Read the match's details from standard input as key: value lines (match, platform, profile, phone, note, place, geo): unlike flags, they stay out of the process table and the shell's history.")
    var detailsStdin = false
    @Option(help: "The match's pseudonym (required; on a terminal, arm asks when it is left out).") var match: String?
    @Option(help: "Where you meet (required).") var place: String?
    @Option(help: "The place's coordinates, LAT,LON.") var geo: String?
    @Option(help: "Where you met them (site or app).") var platform: String?
    @Option(help: "Their profile URL.") var profile: String?
    @Option(help: "Their phone number.") var phone: String?
    @Option(help: "A note for your contacts.") var note: String?
    @Option(help: "A photo of them: JPEG, PNG or WebP, 5 MiB at most.") var photo: String?
    @Option(help: "When the plan starts: 22:00 (the next one), 2026-12-01 22:00, ISO 8601 with a zone, or +DURATION (default: now).")
    var start: String?
    @Option(help: "Check-in interval, like 15m (default 15m).") var every: String?
    @Option(help: "Grace after a missed check-in before the alert, like 5m (default 5m).") var grace: String?
    @Option(help: "When the plan ends: 23:30 (the next one), 2026-12-01 23:30, ISO 8601 with a zone, or +DURATION.") var until: String?
    @Option(name: .customLong("for"), help: "How long the plan runs, like 3h (default 3h).") var length: String?
    @Option(help: "Contacts to alert, comma-separated (default: all).") var contacts: String?
    @Option(help: "How long tier-1 contacts have to acknowledge before tier-2 contacts are alerted (default 5m).")
    var escalateAfter: String?
    @Flag(help: "Arm although another plan is running (on a terminal, arm asks instead).") var also = false
    @Flag(help: "Arm although no contact would hear of an alert.") var noContacts = false

    func run() async throws {
        var photoBytes: Data?
        if let photo {
            guard let bytes = FileManager.default.contents(atPath: photo) else {
                throw ValidationFailure("--photo \(photo): no such file, or it cannot be read")
            }
            photoBytes = bytes
        }
        let details = try self.details()
        let request = ArmRequest(
            match: details["match"], place: details["place"], geo: details["geo"], platform: details["platform"],
            profile: details["profile"], phone: details["phone"], note: details["note"], photo: photoBytes, start: start.map(Self.local), every: every, grace: grace, until: until.map(Self.local), length: length,
            contacts: contacts?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
            escalateAfter: escalateAfter, also: also ? true : nil, noContacts: noContacts ? true : nil)
        let client = global.client()
        let armed: PlanStatus
        do {
            armed = try await client.arm(request)
        } catch {
            // A plan runs already: on a terminal, ask; in a script, the refusal stands (exit 1).
            guard let question = ArmFollowUp.alsoQuestion(for: error), isatty(STDIN_FILENO) != 0 else { throw error }
            FileHandle.standardError.write(Data(question.utf8))
            guard ArmFollowUp.isYes(readLine(strippingNewline: true)) else { throw ValidationFailure("nothing was armed") }
            var again = request
            again.also = true
            armed = try await client.arm(again)
        }
        // Give the guardians a few seconds to confirm; a calm word if none does.
        let plan = try await ArmFollowUp.waitForGuardian(armed) { try await client.plan($0) }
        for note in ArmFollowUp.notes(for: plan) { FileHandle.standardError.write(Data((note + "\n").utf8)) }
        if global.json { return try Output.printJSON(plan) }
        print("Armed plan \(plan.plan).")
        Output.printPlan(plan)
    }

    /// A local time in the user's zone (`$TZ`), made ISO 8601 with its offset; other forms go as typed.
    static func local(_ text: String) -> String {
        LocalTimeText.resolve(text, now: Date(), zone: .current)
    }

    /// The match's details: the flags, plus standard input's lines with `--details-stdin`, plus answers at
    /// the terminal's prompts when `--match` is left out.
    private func details() throws -> [String: String] {
        let flags: [String: String?] = [
            "match": match, "platform": platform, "profile": profile, "phone": phone, "note": note, "place": place, "geo": geo,
        ]
        do {
            if detailsStdin {
                let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                return try DetailsText.merge(try DetailsText.parse(text), into: flags)
            }
            guard match == nil, isatty(STDIN_FILENO) != 0 else { return flags.compactMapValues { $0 } }
            var answers: [String: String] = [:]
            for (key, question) in DetailsText.prompts where flags[key] ?? nil == nil {
                FileHandle.standardError.write(Data(question.utf8))
                guard let line = readLine(strippingNewline: true) else { break }
                let answer = line.trimmingCharacters(in: .whitespaces)
                if !answer.isEmpty { answers[key] = answer }
            }
            return try DetailsText.merge(answers, into: flags)
        } catch {
            throw ValidationFailure(error.description)
        }
    }
}

/// A refusal found before the daemon was asked (a file that cannot be read): exit 1, like the daemon's.
struct ValidationFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
