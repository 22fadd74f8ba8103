import Foundation
import MeetupControl
import Synchronization
import Testing

@Suite("TerminalText")
struct TerminalTextTests {
    @Test("escape sequences, C0 and C1 controls and DEL become U+FFFD; other text, accents and emoji stay")
    func clean() {
        #expect(TerminalText.clean("Kiwi\u{1B}]0;pwned\u{07}") == "Kiwi\u{FFFD}]0;pwned\u{FFFD}")
        #expect(TerminalText.clean("a\u{9B}31mb\u{7F}c\u{0D}d\ne\tf") == "a\u{FFFD}31mb\u{FFFD}c\u{FFFD}d\u{FFFD}e\u{FFFD}f")
        #expect(TerminalText.clean("Café Zoé 🌈 — 12 rue") == "Café Zoé 🌈 — 12 rue")
    }
}

@Suite("CommandFailure")
struct CommandFailureTests {
    @Test("a refusal exits 1 with the daemon's message; an unreachable daemon exits 2 and says how to start it")
    func exitCodes() {
        let refused = CommandFailure(.refused(.planNotFound(id: "p1")))
        #expect(refused.exitCode == 1 && refused.message == ControlError.planNotFound(id: "p1").message)
        let down = CommandFailure(.daemonNotRunning(socketPath: "/home/a/.local/state/meetup/meetupd.sock"))
        #expect(down.exitCode == 2)
        #expect(down.message == "meetupd is not running on home /home/a/.local/state/meetup; start it with: meetupd --home /home/a/.local/state/meetup")
        #expect(CommandFailure(.daemonNotAnswering(socketPath: "/s", reason: "timeout")).exitCode == 2)
        #expect(CommandFailure(.unexpectedResponse(status: 500, reason: "x")).exitCode == 2)
    }

    @Test("the error line, then the hint line when there is one")
    func text() {
        #expect(CommandFailure(message: "bad", exitCode: 2).text == "meetupctl: error: bad\n")
        #expect(CommandFailure(message: "bad", hint: "see 'meetupctl --help'", exitCode: 2).text
            == "meetupctl: error: bad\nmeetupctl: hint: see 'meetupctl --help'\n")
    }
}

@Suite("ArmFollowUp")
struct ArmFollowUpTests {
    func plan(guardians: [GuardianSummary.State], contacts: [String] = ["Ana"]) -> PlanStatus {
        PlanStatus(
            plan: "p1", phase: .active, start: Date(timeIntervalSince1970: 0), nextDeadline: nil, reminderAt: nil,
            until: Date(timeIntervalSince1970: 3600), everySeconds: 900, graceSeconds: 300, lastCheckIn: nil, resolved: false,
            alerts: [], contacts: contacts,
            guardians: guardians.enumerated().map { GuardianSummary(contact: "G\($0.offset)", state: $0.element, confirmedAt: nil) })
    }

    @Test("waits until a guardian confirms, asking again each time, and stops there")
    func waitsForConfirmation() async throws {
        let asked = Mutex(0)
        let result = try await ArmFollowUp.waitForGuardian(plan(guardians: [.pending]), attempts: 30, interval: .milliseconds(1)) { _ in
            let count = asked.withLock { count in
                count += 1
                return count
            }
            return plan(guardians: [count >= 3 ? .confirmed : .pending])
        }
        #expect(asked.withLock { $0 } == 3)
        #expect(ArmFollowUp.notes(for: result).isEmpty)
    }

    @Test("gives up after its attempts with a calm note; a plan without guardians is not waited for")
    func givesUp() async throws {
        let asked = Mutex(0)
        let result = try await ArmFollowUp.waitForGuardian(plan(guardians: [.pending]), attempts: 4, interval: .milliseconds(1)) { _ in
            asked.withLock { $0 += 1 }
            return plan(guardians: [.pending])
        }
        #expect(asked.withLock { $0 } == 4)
        #expect(ArmFollowUp.notes(for: result) == ["note: not yet watched by a guardian; meetupctl status p1 shows when one confirms."])
        _ = try await ArmFollowUp.waitForGuardian(plan(guardians: []), interval: .milliseconds(1)) { _ in
            Issue.record("asked again about a plan without guardians")
            return plan(guardians: [])
        }
    }

    @Test("armed with --no-contacts: a warning that an alert would reach no one")
    func noContacts() {
        #expect(ArmFollowUp.notes(for: plan(guardians: [], contacts: []))
            == ["warning: no contact will hear of this plan's alerts (--no-contacts). Add one with meetupctl contacts add."])
    }

    @Test("a second arm: the question only for the daemon's plan_running refusal; only y or yes arms")
    func alsoQuestion() {
        let running = ControlClientError.refused(.refused(code: "plan_running", message: "plan p1 is already running", status: 409))
        #expect(ArmFollowUp.alsoQuestion(for: running) == "plan p1 is already running.\nArm another plan beside it anyway? [y/N] ")
        #expect(ArmFollowUp.alsoQuestion(for: ControlClientError.refused(.refused(code: "wrong_pin", message: "", status: 403))) == nil)
        #expect(ArmFollowUp.alsoQuestion(for: ControlClientError.daemonNotRunning(socketPath: "/s")) == nil)
        #expect(ArmFollowUp.isYes("y") && ArmFollowUp.isYes(" Yes ") && !ArmFollowUp.isYes("") && !ArmFollowUp.isYes(nil))
        #expect(!ArmFollowUp.isYes("n") && !ArmFollowUp.isYes("yep"))
    }

    @Test("waits with the real clock: 3 attempts of 50 ms take at least 150 ms")
    func realClock() async throws {
        let start = ContinuousClock.now
        _ = try await ArmFollowUp.waitForGuardian(plan(guardians: [.pending]), attempts: 3, interval: .milliseconds(50)) { _ in
            plan(guardians: [.pending])
        }
        #expect(ContinuousClock.now - start >= .milliseconds(150))
    }
}

@Suite("PrivateFile")
struct PrivateFileTests {
    let folder: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("private-file-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
    }

    @Test("a new file holds the bytes, mode 0600, and no .partial is left")
    func writes() throws {
        let path = folder + "/backup.meetup"
        try PrivateFile.write(Data("sealed".utf8), to: path, replacing: false)
        #expect(FileManager.default.contents(atPath: path) == Data("sealed".utf8))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!FileManager.default.fileExists(atPath: path + ".partial"))
    }

    @Test("an existing file is kept unless replacing; replacing swaps it whole")
    func existing() throws {
        let path = folder + "/backup.meetup"
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: PrivateFileError.exists(path: path)) { try PrivateFile.write(Data("new".utf8), to: path, replacing: false) }
        #expect(FileManager.default.contents(atPath: path) == Data("old".utf8))
        try PrivateFile.write(Data("new".utf8), to: path, replacing: true)
        #expect(FileManager.default.contents(atPath: path) == Data("new".utf8))
    }

    @Test("a folder that does not exist: an error naming the path, and nothing written")
    func cannotWrite() throws {
        let path = folder + "/missing/backup.meetup"
        #expect(throws: PrivateFileError.cannotWrite(path: path, reason: "No such file or directory")) {
            try PrivateFile.write(Data("x".utf8), to: path, replacing: false)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }
}

@Suite("PlanStatus JSON")
struct PlanStatusJSONTests {
    @Test("a plan's phase is written as `phase` and, for one more version, as `state`; either is read")
    func phaseAndOldState() throws {
        let plan = ArmFollowUpTests().plan(guardians: [.confirmed])
        let json = try JSONSerialization.jsonObject(with: ControlJSON.encoder().encode(plan)) as? [String: Any]
        #expect(json?["phase"] as? String == "active" && json?["state"] as? String == "active")
        #expect(try ControlJSON.decoder().decode(PlanStatus.self, from: ControlJSON.encoder().encode(plan)) == plan)
        var old = try #require(json)
        old["phase"] = nil
        old["state"] = "grace"
        let decoded = try ControlJSON.decoder().decode(PlanStatus.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded.phase == .grace)
    }
}
