import Foundation
import MeetupControl
import Testing

/// Alarm fatigue, for real: Help pressed again and again, from the CLI and from the page, is one alert at
/// the contact, updated, with one hook run for the alert and one per update.
@Suite("repeated Help, for real", .serialized)
struct RepeatedHelpTests {
    @Test("three panics and a duress check-in twice: the contact holds one panic alert (2 updates) and one duress alert (1 update); hooks run 5 times, not 5 alerts")
    func oneIncident() throws {
        let hookLog = NSTemporaryDirectory() + "meetup-hooks-\(UUID().uuidString.prefix(8)).jsonl"
        defer { try? FileManager.default.removeItem(atPath: hookLog) }
        let user = try Daemon.withPINs()
        let carol = try Daemon(extraArguments: ["--on-alert-exec", "cat >> '\(hookLog)'; echo >> '\(hookLog)'"])
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        let plan = try user.arm(PeerTests.matchArguments + ["--every", "30m", "--for", "2h"])
        for press in 0..<3 {
            let recorded = try user.ctl(["where", plan.plan, "48.86\(press),2.35"])
            #expect(recorded.status == 0, "\(recorded.stderr)")
            let panic = try user.ctl(["panic", plan.plan])
            #expect(panic.status == 0, "\(panic.stderr)")
            _ = try waitFor(10) { try carol.receivedAlerts().first.map { $0.revision >= press ? true : nil } ?? nil }
        }
        for _ in 0..<2 {
            let duress = try user.ctl(["checkin", plan.plan, "--pin-stdin"], stdin: Daemon.duressPIN + "\n")
            #expect(duress.status == 0, "\(duress.stderr)")
        }
        let settled = try waitFor(15) { () -> [ReceivedAlert]? in
            let alerts = try carol.receivedAlerts()
            let duress = alerts.first { $0.reason == "duress" }
            return alerts.count == 2 && duress?.revision == 1 ? alerts : nil
        }
        let seen = (try? carol.receivedAlerts().map { "\($0.reason) r\($0.revision)" }) ?? []
        let alerts = try #require(settled, "alerts at the contact: \(seen)")
        let panic = try #require(alerts.first { $0.reason == "panic" })
        #expect(panic.revision == 2)
        #expect(panic.trail.last?.geo.lat == 48.862, "the update carries the newest position")
        #expect(panic.history.filter { $0.kind == "alert-panic" }.count == 3, "each press shows in the history")
        let shown = try carol.ctl(["alerts", "show", panic.id])
        #expect(shown.stdout.contains("2 updates since it was raised"), "\(shown.stdout)")
        #expect(try user.plan(plan.plan).alerts.count == 1, "the user's node shows one alert too")
        #expect(waitFor(10) { (try? String(contentsOfFile: hookLog, encoding: .utf8))?.split(separator: "\n").count == 5 })
        let runs = jsonLines(hookLog)
        let events = runs.map { "\($0["reason"] as? String ?? "?") \($0["event"] as? String ?? "?")" }
        #expect(events.sorted() == ["duress alert", "duress update", "panic alert", "panic update", "panic update"], "\(events)")
    }
}
