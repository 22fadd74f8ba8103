import Foundation
import MeetupControl
import Testing

/// The match's details off the command line: `--details-stdin`, and the prompts `arm` asks on a terminal.
@Suite("arm without details in argv, for real")
struct DetailsInputTests {
    @Test("--details-stdin reads key: value lines, refuses a bad one naming it, and the contact's alert carries them")
    func detailsFromStdin() throws {
        let user = try Daemon.withPINs()
        let carol = try Daemon()
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        let bad = try user.ctl(["arm", "--details-stdin", "--for", "1h"], stdin: "match: Kiwi\nadress: 1 rue\n")
        #expect(bad.status == 1)
        #expect(bad.stderr.contains(#"details line 2: unknown key "adress""#), "\(bad.stderr)")
        let twice = try user.ctl(["arm", "--details-stdin", "--match", "Pear", "--for", "1h"], stdin: "match: Kiwi\nplace: Cafe\n")
        #expect(twice.status == 1 && twice.stderr.contains("give it once"), "\(twice.stderr)")

        let details = "match: Kiwi_75\nplatform: coco\nphone: +33 6 12 34 56 78\nplace: Café du Nord\ngeo: 48.8768,2.3570\nnote: red cap\n"
        let plan = try user.json(["arm", "--details-stdin", "--every", "30m", "--for", "1h"], stdin: details, as: PlanStatus.self)
        #expect(try user.ctl(["panic", plan.plan]).status == 0)
        let alert = try #require(try waitFor(10) { try carol.receivedAlerts().first })
        #expect(alert.match.pseudonym == "Kiwi_75" && alert.match.platform == "coco" && alert.match.phone == "+33 6 12 34 56 78")
        #expect(alert.place == "Café du Nord" && alert.geo?.lat == 48.8768 && alert.match.note == "red cap")
    }

    @Test("on a terminal, arm without --match asks for the details, and Enter skips the optional ones")
    func detailsAtThePrompt() throws {
        let user = try Daemon.withPINs()
        let carol = try Daemon()
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        // script(1) gives meetupctl a terminal, and types what the test writes.
        let command = "'\(Binaries.meetupctl)' --home '\(user.home)' arm --every 30m --for 1h"
        let answers = "Kiwi_75\n\n\n\nCafé du Nord\n48.8768,2.3570\n\n"
        let armed = try run("/usr/bin/script", ["-qec", command, "/dev/null"], stdin: answers)
        #expect(armed.status == 0, "\(armed.stdout)")
        #expect(armed.stdout.contains("Who are you meeting"), "\(armed.stdout)")
        #expect(armed.stdout.contains("Armed plan"), "\(armed.stdout)")
        #expect(try user.status().counts.plans == 1)
        let plan = try user.json(["log", "current"], as: PlanLog.self).plan
        #expect(try user.ctl(["panic", plan]).status == 0)
        let alert = try #require(try waitFor(10) { try carol.receivedAlerts().first })
        #expect(alert.match.pseudonym == "Kiwi_75" && alert.match.platform == nil)
        #expect(alert.place == "Café du Nord" && alert.geo?.lon == 2.357)
    }
}
