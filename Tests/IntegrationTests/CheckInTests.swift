import CheckInCore
import Foundation
import GRDB
import MeetupControl
@testable import MeetupNode
import Testing

/// The check-in engine end to end: a real meetupd, driven by the real meetupctl, with schedules in seconds.
@Suite("check-ins, alerts and duress, for real", .serialized)
struct CheckInTests {
    static let pin = Daemon.pin
    static let duressPIN = Daemon.duressPIN

    @Test("on-time check-ins over several intervals raise no alert")
    func onTimeCheckIns() throws {
        let daemon = try Daemon.withPINs()
        let plan = try daemon.arm(["--match", "Kiwi", "--place", "Le Quetzal", "--every", "2s", "--grace", "1s", "--for", "1m"])
        for _ in 0..<6 {
            Thread.sleep(forTimeInterval: 1)
            let checkIn = try daemon.ctl(["checkin", plan.plan, "--pin-stdin"], stdin: Self.pin + "\n")
            #expect(checkIn.status == 0, "\(checkIn.stderr)")
        }
        let done = try daemon.ctl(["done", plan.plan, "--pin-stdin"], stdin: Self.pin + "\n")
        #expect(done.status == 0)
        let final = try daemon.plan(plan.plan)
        #expect(final.phase == .done)
        #expect(final.alerts.isEmpty)
        #expect(try daemon.status().counts.alerts == 0)
        let log = try daemon.ctl(["log", plan.plan]).stdout
        #expect(log.components(separatedBy: "check-in").count - 1 == 6)
        #expect(!log.contains("alert"))
    }

    @Test("a missed check-in is recorded as missed within 1 s of deadline + grace, once")
    func missedCheckIn() throws {
        let daemon = try Daemon.withPINs()
        var plans: [PlanStatus] = []
        for every in 2...6 {
            plans.append(try daemon.arm(["--match", "M\(every)", "--place", "P", "--every", "\(every)s", "--grace", "1s", "--for", "1m"]))
        }
        let observedStart = Date()
        let first = plans[0]
        let due = first.nextDeadline!.addingTimeInterval(1)
        try #require(try waitFor(15) { try daemon.plan(first.plan).alerts.count == 1 })
        let observed = Date().timeIntervalSince(due)
        try #require(try waitFor(15) { try plans.allSatisfy { try daemon.plan($0.plan).phase == .alerted } })
        for plan in plans {
            let final = try daemon.plan(plan.plan)
            #expect(final.alerts.count == 1)
            #expect(final.alerts.first?.reason == "missed")
            #expect(final.alerts.first?.late == false)
            #expect(final.alerts.first?.raisedAt == plan.nextDeadline!.addingTimeInterval(1))
            #expect(final.alerts.first?.deliveries == [])
        }
        _ = daemon.stop()
        let lateness = try openStore(daemon.home).writer.read { db in
            try Row.fetchAll(db, sql: "SELECT raised_at, recorded_at FROM alert ORDER BY raised_at").map {
                ($0["recorded_at"] as Date).timeIntervalSince($0["raised_at"] as Date)
            }
        }
        #expect(lateness.count == plans.count)
        for value in lateness { #expect(value >= 0 && value < 1, "alert recorded \(value) s after deadline + grace") }
        let sorted = lateness.sorted()
        print("measured: alert lateness over \(sorted.count) plans: p50 \(Int(sorted[sorted.count / 2] * 1000)) ms, max \(Int(sorted.last! * 1000)) ms; first alert seen by meetupctl \(Int(observed * 1000)) ms after deadline + grace (\(Int(Date().timeIntervalSince(observedStart))) s run)")
    }

    @Test("the duress PIN gives the real PIN's output and exit code, and raises a silent duress alert")
    func duress() throws {
        let daemon = try Daemon.withPINs()
        let arguments = ["--match", "Kiwi", "--place", "Le Quetzal", "--every", "10m", "--grace", "5m", "--for", "2h"]
        let real = try daemon.arm(arguments)
        let forced = try daemon.arm(arguments)
        for json in [false, true] {
            let extra = json ? ["--json"] : []
            let withPIN = try daemon.ctl(["checkin", real.plan, "--pin-stdin"] + extra, stdin: Self.pin + "\n")
            let withDuress = try daemon.ctl(["checkin", forced.plan, "--pin-stdin"] + extra, stdin: Self.duressPIN + "\n")
            #expect(withDuress.status == withPIN.status)
            #expect(normalize(withDuress.stdout, [forced.plan: "PLAN"]) == normalize(withPIN.stdout, [real.plan: "PLAN"]))
            #expect(withDuress.stderr == withPIN.stderr)
        }
        // Afterwards, status and log show both plans alike, in text and JSON.
        for command in [["status"], ["status", "--json"], ["log"], ["log", "--json"]] {
            let a = try daemon.ctl([command[0], real.plan] + command.dropFirst())
            let b = try daemon.ctl([command[0], forced.plan] + command.dropFirst())
            #expect(normalize(b.stdout, [forced.plan: "PLAN"]) == normalize(a.stdout, [real.plan: "PLAN"]), "\(command)")
        }
        #expect(try daemon.status().counts.alerts == 0)
        // Timing: reported, not asserted (both hashes are checked every time, by construction).
        var times: [String: [Double]] = [:]
        for round in 0..<8 {
            let (plan, pin) = round % 2 == 0 ? (real.plan, Self.pin) : (forced.plan, Self.duressPIN)
            let started = Date()
            #expect(try daemon.ctl(["checkin", plan, "--pin-stdin"], stdin: pin + "\n").status == 0)
            times[pin, default: []].append(Date().timeIntervalSince(started) * 1000)
        }
        let median = { (values: [Double]) in Int(values.sorted()[values.count / 2]) }
        print("measured: checkin with the real PIN \(median(times[Self.pin]!)) ms, with the duress PIN \(median(times[Self.duressPIN]!)) ms (medians of 4)")
        let done = try daemon.ctl(["done", forced.plan, "--pin-stdin"], stdin: Self.duressPIN + "\n")
        #expect(done.status == 0)
        #expect(done.stdout == "Plan \(forced.plan) ended.\n")
        _ = daemon.stop()
        #expect(!daemon.log.contains("duress"))
        let alerts = try openStore(daemon.home).writer.read { db in
            try Row.fetchAll(db, sql: "SELECT plan_id, reason, silent, revision FROM alert ORDER BY raised_at")
        }
        // Six check-ins and the done, all under duress: one silent incident, raised once and updated six times.
        #expect(alerts.count == 1)
        for row in alerts {
            #expect(row["plan_id"] as String == forced.plan)
            #expect(row["reason"] as String == "duress")
            #expect(row["silent"] as Bool)
            #expect(row["revision"] as Int == 6)
        }
    }

    @Test("kill -9 across a deadline, then a restart, records the missed alert exactly once, marked late")
    func crashAcrossDeadline() throws {
        let first = try Daemon.withPINs()
        let plan = try first.arm(["--match", "Kiwi", "--place", "Le Quetzal", "--every", "2s", "--grace", "1s", "--for", "1m"])
        first.kill9()
        Thread.sleep(forTimeInterval: 4.5)
        let second = try Daemon(home: first.home)
        try #require(try waitFor(10) { try second.plan(plan.plan).alerts.count == 1 })
        Thread.sleep(forTimeInterval: 2)
        let final = try second.plan(plan.plan)
        #expect(final.phase == .alerted)
        #expect(final.alerts.count == 1)
        #expect(final.alerts.first?.reason == "missed")
        #expect(final.alerts.first?.late == true)
        #expect(final.alerts.first?.raisedAt == plan.nextDeadline!.addingTimeInterval(1))
        // Another restart changes nothing.
        _ = second.stop()
        let third = try Daemon(home: first.home)
        #expect(try third.plan(plan.plan).alerts.count == 1)
    }

    @Test("match details, place names and coordinates never appear in clear in any file of the home")
    func noClearText() throws {
        let daemon = try Daemon.withPINs()
        let secrets = ["Kiwi_Rendezvous", "Cafe Quetzalcoatl", "48.85913", "2.35117", "+33612345678", "bring_a_red_scarf",
                       "48.86001", "2.36002", "Grindr_Planet"]
        let plan = try daemon.arm([
            "--match", secrets[0], "--place", secrets[1], "--geo", "\(secrets[2]),\(secrets[3])", "--phone", secrets[4],
            "--note", secrets[5], "--platform", secrets[8], "--every", "2s", "--grace", "1s", "--for", "1m",
        ])
        #expect(try daemon.ctl(["where", plan.plan, "\(secrets[6]),\(secrets[7])", "--accuracy", "15"]).status == 0)
        #expect(try daemon.ctl(["panic", plan.plan]).status == 0)
        // Scan while running (WAL in use) and after a clean stop (WAL checkpointed into the database).
        try scan(daemon.home, for: secrets)
        _ = daemon.stop()
        try scan(daemon.home, for: secrets)
        let payload = try openStore(daemon.home).writer.read { db in
            try Row.fetchOne(db, sql: "SELECT id, payload FROM alert")
        }
        let row = try #require(payload)
        let opened = try openStore(daemon.home).cipher.open(
            AlertPayload.self, from: row["payload"], for: SealedColumn(table: "alert", column: "payload", rowKey: row["id"]))
        #expect(opened.match.pseudonym == secrets[0])
        #expect(opened.place.name == secrets[1])
        #expect(opened.lastLocation?.geo == (try Coordinate(lat: 48.86001, lon: 2.36002)))
        #expect(!daemon.log.contains(secrets[0]))
    }

    @Test("bad input is refused with exit 1, naming the flag, and nothing is stored")
    func badInput() throws {
        let daemon = try Daemon.withPINs()
        let base = ["--match", "Kiwi", "--place", "Cafe"]
        let photoDirectory = (daemon.home as NSString).deletingLastPathComponent
        let text = photoDirectory + "/not-a-photo.jpg"
        try Data("just text".utf8).write(to: URL(fileURLWithPath: text))
        let huge = photoDirectory + "/huge.png"
        try (Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + Data(count: 5 << 20)).write(to: URL(fileURLWithPath: huge))
        let cases: [([String], String)] = [
            (base + ["--every", "0s"], "--every: must be at least 1s"),
            (base + ["--every", "soon"], "--every: duration \"soon\""),
            (base + ["--grace", "0s"], "--grace: must be at least 1s"),
            (base + ["--geo", "91,2"], "--geo: latitude 91.0 is outside -90...90"),
            (base + ["--geo", "48,181"], "--geo: longitude 181.0 is outside -180...180"),
            (base + ["--start", "2020-01-01T00:00:00Z"], "--start: the time is in the past"),
            (base + ["--start", "+1h", "--until", "+30m"], "--until: the end must come after the start"),
            (["--place", "Cafe"], "--match: a pseudonym is required"),
            (["--match", "Kiwi"], "--place: a place name is required"),
            (base + ["--photo", photoDirectory + "/missing.jpg"], "--photo"),
            (base + ["--photo", text], "--photo: not a JPEG, PNG or WebP image"),
            (base + ["--photo", huge], "--photo: 5242888 bytes is over the 5242880-byte limit"),
            (base + ["--contacts", "Sam"], "--contacts: no contact named \"Sam\""),
        ]
        for (arguments, message) in cases {
            let result = try daemon.ctl(["arm"] + arguments)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("meetupctl: error: \(message)"), "\(arguments): \(result.stderr)")
        }
        #expect(try daemon.status().counts.plans == 0)
        #expect(try daemon.ctl(["checkin", "nosuchplan", "--pin-stdin"], stdin: Self.pin + "\n").status == 1)
        let plan = try daemon.arm(base)
        #expect(try daemon.ctl(["done", plan.plan, "--pin-stdin"], stdin: Self.pin + "\n").status == 0)
        let ended = try daemon.ctl(["checkin", plan.plan, "--pin-stdin"], stdin: Self.pin + "\n")
        #expect(ended.status == 1)
        #expect(ended.stderr == "meetupctl: error: the plan has ended\n")
        let equal = try daemon.ctl(["pin", "set", "--change"], stdin: "\(Self.pin)\n1111\n1111\n")
        #expect(equal.status == 1)
        #expect(equal.stderr == "meetupctl: error: pin set: the PIN and the duress PIN must differ\n")
        let short = try daemon.ctl(["pin", "set", "--change"], stdin: "\(Self.pin)\n12\n3456\n")
        #expect(short.status == 1)
        let wrong = try daemon.ctl(["pin", "set", "--change"], stdin: "9999\n1111\n2222\n")
        #expect(wrong.stderr == "meetupctl: error: wrong PIN\n")
        // The PINs still work as before.
        let plan2 = try daemon.arm(base)
        #expect(try daemon.ctl(["checkin", plan2.plan, "--pin-stdin"], stdin: Self.pin + "\n").status == 0)
    }

    @Test("pin set on a terminal asks twice, hides what is typed, and refuses entries that do not match")
    func pinSetOnTerminal() throws {
        let daemon = try Daemon()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/tty_pin_set.py").path
        let mismatch = try run("/usr/bin/env", ["python3", script, Binaries.meetupctl, daemon.home, "1357", "1358"])
        #expect(mismatch.stdout.hasSuffix("exit=1\n"), "\(mismatch.stdout)")
        #expect(mismatch.stdout.contains("meetupctl: error: New PIN: the two entries differ"))
        #expect(!mismatch.stdout.contains("1357"))
        let good = try run("/usr/bin/env", ["python3", script, Binaries.meetupctl, daemon.home, "1357", "1357", "7531", "7531"])
        #expect(good.stdout.hasSuffix("exit=0\n"), "\(good.stdout)")
        #expect(good.stdout.contains("PINs set."))
        #expect(!good.stdout.contains("1357") && !good.stdout.contains("7531"))
    }

    func scan(_ home: String, for secrets: [String]) throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: home) {
            let path = home + "/" + name
            guard let bytes = FileManager.default.contents(atPath: path) else { continue }
            for secret in secrets {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\"\(secret)\" in clear in \(name)")
            }
        }
    }
}

/// Output with plan ids and times replaced, so that two runs can be compared byte for byte.
func normalize(_ text: String, _ ids: [String: String]) -> String {
    var result = text
    for (id, label) in ids { result = result.replacingOccurrences(of: id, with: label) }
    let time = try! Regex(#"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}Z?"#)
    return result.replacing(time, with: "TIME")
}
