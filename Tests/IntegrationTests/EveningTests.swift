import Foundation
import MeetupControl
import Testing

/// The evening as the user lives it, with real nodes: warned before the alarm, watched again after a false
/// alarm.
@Suite("the evening, for real", .serialized)
struct EveningTests {
    @Test("a reminder before the deadline and an overdue notice before the alarm reach the user's own hook, without the match")
    func warningsBeforeTheAlarm() throws {
        let hookLog = NSTemporaryDirectory() + "meetup-warnings-\(UUID().uuidString.prefix(8)).jsonl"
        defer { try? FileManager.default.removeItem(atPath: hookLog) }
        let user = try Daemon.withPINs(extraArguments: ["--on-reminder-exec", "cat >> '\(hookLog)'; echo >> '\(hookLog)'"])
        let carol = try Daemon()
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        let plan = try user.arm(PeerTests.matchArguments + ["--every", "8s", "--grace", "4s", "--for", "1h"])
        let deadline = try #require(plan.nextDeadline)
        let alarm = deadline.addingTimeInterval(4)
        var seen: [String: Date] = [:]
        _ = waitFor(20, poll: 0.05) { () -> Bool? in
            for line in jsonLines(hookLog) {
                if let event = line["event"] as? String, seen[event] == nil { seen[event] = Date() }
            }
            return seen.count == 2 ? true : nil
        }
        let reminder = try #require(seen["reminder"], "no reminder reached the hook: \(user.log)")
        let overdue = try #require(seen["overdue"], "no overdue notice reached the hook")
        print("measured: reminder \(String(format: "%.2f", deadline.timeIntervalSince(reminder))) s before the deadline, overdue notice \(String(format: "%.2f", alarm.timeIntervalSince(overdue))) s before the alarm")
        #expect(reminder < deadline, "the reminder came after the deadline")
        #expect(overdue >= deadline && overdue < alarm, "the overdue notice came outside grace")
        let lines = jsonLines(hookLog)
        #expect(lines.map { $0["event"] as? String } == ["reminder", "overdue"])
        #expect(lines.allSatisfy { $0["plan"] as? String == plan.plan })
        #expect(lines.last?["text"] as? String ?? "" != "")
        let raw = (try? String(contentsOfFile: hookLog, encoding: .utf8)) ?? ""
        for needle in ["Alexandre", "Le Quetzal", "coco", "48.8566", "+33"] {
            #expect(!raw.contains(needle), "\(needle) in a warning")
        }
        // The alarm itself still goes, at its time.
        #expect(try waitFor(10) { try carol.receivedAlerts().isEmpty ? nil : true } == true)
    }
}

extension EveningTests {
    @Test("panic with no plan running reaches every contact with the last known position; where and panic again update it")
    func panicWithoutPlan() throws {
        let user = try Daemon.withPINs()
        let carol = try Daemon()
        let dave = try Daemon()
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        try pair(user, as: "Ulysse", with: dave, as: "Dave")
        let earlier = try user.arm(PeerTests.matchArguments + ["--every", "30m", "--for", "2h", "--contacts", "Carol"])
        #expect(try user.ctl(["where", earlier.plan, "48.8701,2.3401"]).status == 0)
        #expect(try user.ctl(["done", earlier.plan, "--pin-stdin"], stdin: Daemon.pin + "\n").status == 0)
        let panic = try user.ctl(["panic"])
        #expect(panic.status == 0, "\(panic.stderr)")
        for node in [carol, dave] {
            let alert = try #require(try waitFor(10) { try node.receivedAlerts().first }, "no alert at \(node.home)")
            #expect(alert.reason == "panic")
            #expect(alert.trail.last?.geo.lat == 48.8701, "the last known position")
            #expect(alert.mapLink?.contains("48.8701") == true)
        }
        // The plan made for Help takes positions like any running plan; the next press carries them.
        let moved = try user.ctl(["where", "48.8802,2.3502"])
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(try user.ctl(["panic"]).status == 0)
        let updated = try #require(try waitFor(10) { try carol.receivedAlerts().first.flatMap { $0.revision == 1 ? $0 : nil } })
        #expect(updated.trail.last?.geo.lat == 48.8802)
        #expect(try carol.receivedAlerts().count == 1, "one incident, updated")
        // Safe: done with the PIN ends it, and the contacts see it resolved.
        #expect(try user.ctl(["done", "--pin-stdin"], stdin: Daemon.pin + "\n").status == 0)
        #expect(try waitFor(10) { try carol.receivedAlerts().first?.resolved == true ? true : nil } == true)
    }
}

extension EveningTests {
    @Test("the easy slips with the real meetupctl: arm with no contact, and a second arm in a script, are refused with exit 1")
    func slips() throws {
        let user = try Daemon.withPINs()
        let arguments = ["--match", "Kiwi", "--place", "Cafe", "--every", "30m", "--for", "2h"]
        let alone = try user.ctl(["arm"] + arguments)
        #expect(alone.status == 1)
        #expect(alone.stderr.contains("no contact would hear of an alert") && alone.stderr.contains("--no-contacts"), "\(alone.stderr)")
        #expect(try user.status().counts.plans == 0)
        let carol = try Daemon()
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        let first = try user.ctl(["arm", "--json"] + arguments)
        #expect(first.status == 0, "\(first.stderr)")
        let plan = try ControlJSON.decoder().decode(PlanStatus.self, from: Data(first.stdout.utf8))
        let twice = try user.ctl(["arm"] + arguments, stdin: "")
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("plan \(plan.plan) is already running") && twice.stderr.contains("--also"), "\(twice.stderr)")
        #expect(try user.status().counts.plans == 1)
        #expect(try user.ctl(["arm", "--also"] + arguments).status == 0)
        let ambiguous = try user.ctl(["checkin", "--pin-stdin"], stdin: Daemon.pin + "\n")
        #expect(ambiguous.status == 1 && ambiguous.stderr.contains(plan.plan), "the ids are named: \(ambiguous.stderr)")
    }
}

extension EveningTests {
    @Test("local clock times in $TZ, the place echoed with its map link, a --geo at sea or far warned of, and plans listed")
    func arming() throws {
        let user = try Daemon.withPINs()
        let carol = try Daemon()
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        #expect(try user.ctl(["where", "48.8768,2.3570"]).status == 1, "no plan: nowhere to record it")
        let earlier = try user.arm(["--match", "A", "--place", "Home", "--every", "30m", "--for", "1h"])
        #expect(try user.ctl(["where", earlier.plan, "48.8768,2.3570"]).status == 0)
        #expect(try user.ctl(["done", earlier.plan, "--pin-stdin"], stdin: Daemon.pin + "\n").status == 0)

        // The next 23:30 in Paris, whatever the daemon's zone: the plan ends then.
        let paris = TimeZone(identifier: "Europe/Paris")!
        let armed = try user.ctl(
            ["arm", "--match", "Kiwi", "--place", "Café du Nord", "--geo", "2.3570,48.8768", "--every", "30m", "--until", "23:30"],
            environment: ["TZ": "Europe/Paris"])
        #expect(armed.status == 0, "\(armed.stderr)")
        #expect(armed.stdout.contains("Café du Nord") && armed.stdout.contains("https://www.openstreetmap.org/?mlat=2.357&mlon=48.8768"), "\(armed.stdout)")
        #expect(armed.stderr.contains("--geo 2.357,48.8768 is in the open sea, far from any coast"), "\(armed.stderr)")
        #expect(armed.stderr.contains("km from your last known position"), "\(armed.stderr)")
        #expect(armed.stderr.contains("did you swap latitude and longitude? --geo 48.8768,2.357"), "\(armed.stderr)")
        #expect(armed.stdout.contains("GMT+1") || armed.stdout.contains("GMT+2"), "times with their zone: \(armed.stdout)")
        let plans = try user.json(["plans"], as: PlanList.self).plans
        #expect(plans.count == 1 && plans.first?.place == "Café du Nord")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = paris
        let until = try #require(plans.first?.until)
        #expect(calendar.component(.hour, from: until) == 23 && calendar.component(.minute, from: until) == 30)
        #expect(until > Date() && until <= Date().addingTimeInterval(86_400))
        let listed = try user.ctl(["plans"])
        #expect(listed.stdout.hasPrefix("PLAN") && listed.stdout.contains(plans[0].plan) && listed.stdout.contains("Café du Nord"))
        #expect(try user.ctl(["plans", "--all"]).stdout.contains(earlier.plan))
        let bad = try user.ctl(["extend", "--until", "tonight", "--pin-stdin"], stdin: Daemon.pin + "\n")
        #expect(bad.status == 1 && bad.stderr.contains("a time like 23:30"), "\(bad.stderr)")
    }
}

extension EveningTests {
    @Test("a contact's hooks hear the alert, the check-in after it and the end: a friend woken at 2 a.m. is told to stand down")
    func contactHooksStandDown() throws {
        let hookLog = NSTemporaryDirectory() + "meetup-contact-hooks-\(UUID().uuidString.prefix(8)).jsonl"
        defer { try? FileManager.default.removeItem(atPath: hookLog) }
        let user = try Daemon.withPINs()
        let carol = try Daemon(extraArguments: ["--on-alert-exec", "cat >> '\(hookLog)'; echo >> '\(hookLog)'"])
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        let plan = try user.arm(PeerTests.matchArguments + ["--every", "30m", "--for", "2h"])
        #expect(try user.ctl(["panic", plan.plan]).status == 0)
        #expect(waitFor(10) { jsonLines(hookLog).count == 1 }, "the alert's hook")
        #expect(try user.ctl(["checkin", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n").status == 0)
        #expect(try user.ctl(["done", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n").status == 0)
        #expect(waitFor(15) { jsonLines(hookLog).count == 3 }, "\(jsonLines(hookLog))")
        let runs = jsonLines(hookLog)
        #expect(runs.map { $0["event"] as? String } == ["alert", "checked-in", "resolved"])
        #expect((runs.last?["text"] as? String)?.hasPrefix("meetup: Ulysse ended the plan after the panic alert: safe") == true, "\(runs)")
        #expect(runs.allSatisfy { $0["match"] == nil }, "no detail without --hook-details")
    }
}
