import Foundation
import GRDB
import MeetupControl
@testable import MeetupNode
import Testing

/// Peer-to-peer alerts end to end: real meetupd processes on loopback ports, paired with their real cards,
/// driven by the real meetupctl. Serialized, so that the measured latencies are the nodes', not the
/// machine's contention.
@Suite("peer-to-peer alerts, for real", .serialized)
struct PeerTests {
    static let matchArguments = [
        "--match", "Alexandre", "--platform", "coco", "--phone", "+33 6 12 34 56 78", "--note", "red cap, tall",
        "--place", "Le Quetzal", "--geo", "48.8566,2.3522",
    ]

    @Test("a missed check-in reaches two contacts within 2 s, intact; ack, done and resolved travel back; homes hold no clear text")
    func missedCheckInReachesTwoContacts() throws {
        let user = try Daemon.withPINs()
        let carol = try Daemon()
        let dave = try Daemon()
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        try pair(user, as: "Ulysse", with: dave, as: "Dave")
        let plan = try user.arm(Self.matchArguments + ["--every", "2s", "--grace", "1s", "--for", "1h"])
        #expect(plan.contacts == ["Carol", "Dave"])
        let due = try #require(plan.nextDeadline).addingTimeInterval(TimeInterval(plan.graceSeconds))

        var seen: [String: Date] = [:]
        _ = try waitFor(10, poll: 0.02) { () -> Bool? in
            for (name, node) in [("Carol", carol), ("Dave", dave)] where seen[name] == nil {
                if try !node.receivedAlerts().isEmpty { seen[name] = Date() }
            }
            return seen.count == 2 ? true : nil
        }
        try #require(seen.count == 2, "alerts seen: \(seen.keys.sorted())")
        for (name, at) in seen.sorted(by: { $0.key < $1.key }) {
            let latency = at.timeIntervalSince(due)
            print("delivery latency to \(name): \(String(format: "%.3f", latency)) s after deadline + grace")
            #expect(latency <= 2, "\(name) saw the alert \(latency) s after deadline + grace")
        }
        for node in [carol, dave] {
            let alert = try #require(try node.receivedAlerts().first)
            #expect(alert.from == "Ulysse")
            #expect(alert.reason == "missed")
            #expect(alert.plan == plan.plan)
            #expect(alert.match.pseudonym == "Alexandre")
            #expect(alert.match.platform == "coco")
            #expect(alert.match.phone == "+33 6 12 34 56 78")
            #expect(alert.match.note == "red cap, tall")
            #expect(alert.place == "Le Quetzal")
            #expect(alert.geo?.lat == 48.8566 && alert.geo?.lon == 2.3522)
            #expect(alert.mapLink?.hasPrefix("https://www.openstreetmap.org/?mlat=48.8566&mlon=2.3522") == true)
            #expect(alert.geoURI == "geo:48.8566,2.3522")
            #expect(!alert.acked && !alert.resolved)
        }

        // A check-in after the alert reaches the contacts as a follow-up; the alert stays open. The plan is
        // watched again from the check-in: the next miss is a second alert, for its own deadline.
        let late = try user.ctl(["checkin", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n")
        #expect(late.status == 0, "\(late.stderr)")
        let resumed = try user.plan(plan.plan)
        #expect(resumed.phase == .active)
        let secondDeadline = try #require(resumed.nextDeadline)
        for node in [carol, dave] {
            #expect(try waitFor(5) { try node.receivedAlerts().last?.checkedInAt != nil }, "the follow-up did not arrive")
        }
        #expect(try carol.receivedAlerts().last?.resolved == false)
        for node in [carol, dave] {
            #expect(try waitFor(8) { try node.receivedAlerts().count == 2 }, "the second miss was not alerted")
            let second = try #require(try node.receivedAlerts().first)
            #expect(second.reason == "missed" && second.deadline == secondDeadline && second.checkedInAt == nil)
        }
        #expect(try user.plan(plan.plan).phase == .alerted)

        // Carol acknowledges the first alert: the user's status says so, per contact.
        let carolsAlert = try #require(try carol.receivedAlerts().last)
        let ack = try carol.ctl(["alerts", "ack", carolsAlert.id])
        #expect(ack.status == 0, "\(ack.stderr)")
        let acked = try waitFor(5) { () -> AlertSummary? in
            let alert = try user.plan(plan.plan).alerts.first
            return alert?.acks == ["Carol"] ? alert : nil
        }
        let summary = try #require(acked, "the ack did not reach the user's node")
        #expect(summary.deliveries.map(\.contact) == ["Carol", "Dave"])
        #expect(summary.deliveries.map(\.state) == ["acked", "delivered"])
        #expect(summary.deliveries.allSatisfy { $0.deliveredAt != nil })
        // Dave, the other contact, is told that Carol is on it, under the user's name for her.
        let onIt = try waitFor(5) { () -> ReceivedAlert? in
            let first = try dave.receivedAlerts().last
            return first?.acks.map(\.name) == ["Carol"] ? first : nil
        }
        let davesAlert = try #require(onIt, "Dave was not told that Carol is on it")
        #expect(try dave.receivedAlerts().first?.acks.isEmpty == true, "the second alert was not acknowledged")
        let shownToDave = try dave.ctl(["alerts", "show", davesAlert.id])
        #expect(shownToDave.stdout.contains("Carol is on it since"), "\(shownToDave.stdout)")
        #expect(try carol.receivedAlerts().last?.acks.isEmpty == true, "Carol is not told of her own ack")

        // The user is safe: both contacts see the alert resolved.
        let done = try user.ctl(["done", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n")
        #expect(done.status == 0, "\(done.stderr)")
        for node in [carol, dave] {
            #expect(try waitFor(5) { try node.receivedAlerts().allSatisfy(\.resolved) }, "resolved did not arrive")
        }
        #expect(try carol.receivedAlerts().map(\.acked) == [false, true])
        #expect(try carol.receivedAlerts().allSatisfy(\.resolved))
        #expect(try carol.json(["alerts"], as: [ReceivedAlert].self).isEmpty, "a resolved alert is not open")

        // Nothing the user typed about the match or the place is in any home in clear.
        for node in [user, carol, dave] { _ = node.stop() }
        // The nodes' own clocks, to the microsecond: when the contact committed the alert, after the instant
        // it belongs to (deadline + grace).
        let raisedAt = try #require(try openStore(user.home).writer.read { db in
            try Date.fetchOne(db, sql: "SELECT raised_at FROM alert ORDER BY raised_at LIMIT 1")
        })
        for (name, node) in [("Carol", carol), ("Dave", dave)] {
            let receivedAt = try #require(try openStore(node.home).writer.read { db in
                try Date.fetchOne(db, sql: "SELECT received_at FROM received_alert ORDER BY received_at LIMIT 1")
            })
            print("node-side delivery latency to \(name): \(String(format: "%.3f", receivedAt.timeIntervalSince(raisedAt))) s")
        }
        for node in [user, carol, dave] {
            for needle in ["Alexandre", "Le Quetzal", "+33 6 12 34 56 78", "red cap", "48.8566", "2.3522", "coco"] {
                #expect(try filesContaining(needle, under: node.home).isEmpty, "\(needle) in clear in \(node.home)")
            }
        }
    }

    @Test("a duress PIN reaches contacts as duress, while the user's node shows nothing")
    func duressReachesContacts() throws {
        let user = try Daemon.withPINs()
        let carol = try Daemon()
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        // Each side sends the other its current card once paired (docs/PROTOCOL.md, "card-update"): that
        // exchange is over before the evening starts, and what follows is compared with what it left.
        #expect(waitFor(10) { user.log.contains("delivered seq=1 type=card-update") && carol.log.contains("delivered seq=1 type=card-update") })
        let acceptedBefore = try user.status().envelopes.accepted
        let logBefore = user.log.count
        let plan = try user.arm(Self.matchArguments + ["--every", "1m", "--for", "1h"])
        let checkIn = try user.ctl(["checkin", plan.plan, "--pin-stdin"], stdin: Daemon.duressPIN + "\n")
        #expect(checkIn.status == 0)
        let alert = try #require(try waitFor(5) { try carol.receivedAlerts().first }, "no duress alert arrived")
        #expect(alert.reason == "duress")
        #expect(alert.match.pseudonym == "Alexandre")
        #expect(try user.plan(plan.plan).alerts.isEmpty)
        #expect(try user.status().counts.outbox == 0)
        // Carol acknowledges; the user's node shows nothing of it either: no ack, no count, no log line.
        #expect(try carol.ctl(["alerts", "ack", alert.id]).status == 0)
        #expect(waitFor(3) { carol.log.contains("type=ack") })
        #expect(try user.status().envelopes.accepted == acceptedBefore)
        #expect(try user.plan(plan.plan).alerts.isEmpty)
        let evening = String(user.log.dropFirst(logBefore))
        #expect(!evening.contains("envelope") && !evening.contains("alert"), "\(evening)")
        // Ending the plan under duress does not tell the contacts that all is well; the second use of the duress
        // PIN updates the same incident, which is open again at Carol although she had acknowledged it.
        let done = try user.ctl(["done", plan.plan, "--pin-stdin"], stdin: Daemon.duressPIN + "\n")
        #expect(done.status == 0)
        #expect(try waitFor(5) { try carol.receivedAlerts().first?.revision == 1 })
        Thread.sleep(forTimeInterval: 1)
        #expect(try carol.receivedAlerts().count == 1)
        #expect(try carol.receivedAlerts().allSatisfy { !$0.resolved && $0.reason == "duress" })
        #expect(try carol.json(["alerts"], as: [ReceivedAlert].self).map(\.id) == [alert.id], "updated after the ack: open again")
    }

    @Test("a contact stopped during the alert receives it within the 5 s retry cap after it restarts")
    func stoppedContactReceivesAfterRestart() throws {
        let user = try Daemon.withPINs()
        let carol = try Daemon()
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        let port = try carol.port
        #expect(carol.stop() == 0)
        let plan = try user.arm(Self.matchArguments + ["--every", "1m", "--for", "1h"])
        #expect(try user.ctl(["panic", plan.plan]).status == 0)
        Thread.sleep(forTimeInterval: 8)
        let waiting = try #require(try user.plan(plan.plan).alerts.first?.deliveries.first)
        #expect(waiting.state == "queued")
        #expect(waiting.attempts >= 3, "retries while the contact was away: \(waiting.attempts)")

        let restarted = try Daemon(home: carol.home, port: port)
        let back = Date()
        let alert = try #require(try waitFor(10, poll: 0.02) { try restarted.receivedAlerts().first }, "never delivered")
        let latency = Date().timeIntervalSince(back)
        print("delivery after the contact came back: \(String(format: "%.3f", latency)) s")
        #expect(latency <= 5 + 1, "delivered \(latency) s after the contact came back")
        #expect(alert.reason == "panic")
        #expect(try waitFor(5) { try user.plan(plan.plan).alerts.first?.deliveries.first?.state == "delivered" })
    }

    @Test("an altered card is refused, naming why, and nothing is added")
    func alteredCardIsRefused() throws {
        let user = try Daemon()
        let carol = try Daemon()
        var card = Array(try carol.card)
        let index = card.count / 2
        card[index] = card[index] == "A" ? "B" : "A"
        let added = try user.ctl(["contacts", "add", "Carol", String(card)])
        #expect(added.status == 1)
        #expect(added.stderr.contains("card refused"), "\(added.stderr)")
        #expect(try user.json(["contacts"], as: ContactList.self).contacts.isEmpty)
        // The same card, intact, is added; twice is refused.
        try user.addContact("Carol", card: try carol.card)
        let again = try user.ctl(["contacts", "add", "Caroline", try carol.card])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already the contact \"Carol\""), "\(again.stderr)")
    }

    @Test("safety numbers match on both sides; verify marks the contact; remove keeps received alerts")
    func safetyNumbersAndRemove() throws {
        let user = try Daemon.withPINs()
        let carol = try Daemon()
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        // A name with a space, a hyphen and an accent works in every command that takes one.
        try user.addContact("Anne-Marie Dupré", card: try Daemon().card)
        #expect(try user.json(["contacts", "show", "Anne-Marie Dupré"], as: ContactInfo.self).name == "Anne-Marie Dupré")
        #expect(try user.ctl(["contacts", "verify", "Anne-Marie Dupré", "--yes"]).status == 0)
        #expect(try user.ctl(["contacts", "remove", "Anne-Marie Dupré"]).status == 0)
        let tooLate = try user.ctl(["arm"] + Self.matchArguments + ["--escalate-after", "8d"])
        #expect(tooLate.status == 1)
        #expect(tooLate.stderr.contains("--escalate-after"), "\(tooLate.stderr)")
        let ours = try user.json(["contacts", "verify", "Carol"], stdin: "n\n", as: SafetyNumberInfo.self)
        let theirs = try carol.json(["contacts", "verify", "Ulysse"], stdin: "n\n", as: SafetyNumberInfo.self)
        #expect(ours.safetyNumber == theirs.safetyNumber)
        #expect(ours.safetyNumber.split(separator: " ").count == 12)
        let refused = try user.ctl(["contacts", "verify", "Carol"], stdin: "n\n")
        #expect(refused.status == 1)
        let verified = try user.ctl(["contacts", "verify", "Carol"], stdin: "y\n")
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(try user.json(["contacts", "show", "Carol"], as: ContactInfo.self).verified)

        let photo = (user.home as NSString).deletingLastPathComponent + "/match.png"
        let photoBytes = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + (0 ..< 3_000).map { UInt8($0 % 251) })
        try photoBytes.write(to: URL(fileURLWithPath: photo))
        let plan = try user.arm(Self.matchArguments + ["--photo", photo, "--every", "1m", "--for", "1h"])
        #expect(try user.ctl(["panic", plan.plan]).status == 0)
        let received = try #require(try waitFor(5) { try carol.receivedAlerts().first })
        #expect(received.hasPhoto)
        let saved = photo + ".received"
        let show = try carol.ctl(["alerts", "show", received.id, "--save-photo", saved])
        #expect(show.status == 0, "\(show.stderr)")
        #expect(show.stdout.contains("Alexandre") && show.stdout.contains("https://www.openstreetmap.org/?mlat="))
        #expect(FileManager.default.contents(atPath: saved) == photoBytes)
        #expect(try carol.ctl(["contacts", "remove", "Ulysse"]).status == 0)
        let kept = try #require(try carol.receivedAlerts().first)
        #expect(kept.from == "Ulysse")
        // Removing a contact of a running plan would silence the alarm without the PIN.
        let inUse = try user.ctl(["contacts", "remove", "Carol"])
        #expect(inUse.status == 1)
        #expect(inUse.stderr.contains("running plan \(plan.plan)"), "\(inUse.stderr)")
        #expect(try user.ctl(["done", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n").status == 0)
        #expect(try user.ctl(["contacts", "remove", "Carol"]).status == 0)
        let next = try user.ctl(["arm", "--json"] + Self.matchArguments + ["--contacts", "Carol"])
        #expect(next.status == 1)
        #expect(next.stderr.contains("no contact named \"Carol\""), "\(next.stderr)")
    }

    @Test("tier 2 is alerted only when tier 1 does not acknowledge within --escalate-after")
    func escalation() throws {
        let user = try Daemon.withPINs()
        let first = try Daemon()
        let second = try Daemon()
        try pair(user, as: "Ulysse", with: first, as: "First")
        try pair(user, as: "Ulysse", with: second, as: "Second", tierOfB: 2)

        let unanswered = try user.arm(Self.matchArguments + ["--every", "1m", "--for", "1h", "--escalate-after", "2s"])
        #expect(try user.ctl(["panic", unanswered.plan]).status == 0)
        #expect(try waitFor(3) { try first.receivedAlerts().count == 1 })
        #expect(try second.receivedAlerts().isEmpty, "tier 2 alerted before the escalation delay")
        #expect(try waitFor(6) { try second.receivedAlerts().count == 1 }, "tier 2 never alerted")

        let answered = try user.arm(Self.matchArguments + ["--every", "1m", "--for", "1h", "--escalate-after", "3s"])
        #expect(try user.ctl(["panic", answered.plan]).status == 0)
        let alert = try #require(try waitFor(3) { try first.receivedAlerts().first { $0.plan == answered.plan } })
        #expect(try first.ctl(["alerts", "ack", alert.id]).status == 0)
        Thread.sleep(forTimeInterval: 5)
        #expect(try second.receivedAlerts().count == 1, "tier 2 alerted although tier 1 acknowledged")
        let deliveries = try #require(try user.plan(answered.plan).alerts.first).deliveries
        #expect(deliveries.map(\.state) == ["acked", "cancelled"])
    }

    @Test("hooks run with a summary, retry a receiver that was down, and leave details out by default")
    func hooks() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("meetup-hooks-\(UUID().uuidString.prefix(6))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let execOutput = directory + "/exec.json"
        let received = directory + "/received.jsonl"
        let port = try freePort()
        let user = try Daemon.withPINs()
        let carol = try Daemon(extraArguments: [
            "--on-alert-exec", "cat > '\(execOutput)'",
            "--on-alert-webhook", "http://127.0.0.1:\(port)/hook",
            "--on-alert-ntfy", "http://127.0.0.1:\(port)/meetup-topic",
        ])
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        let plan = try user.arm(Self.matchArguments + ["--every", "1m", "--for", "1h"])
        #expect(try user.ctl(["panic", plan.plan]).status == 0)
        let alert = try #require(try waitFor(5) { try carol.receivedAlerts().first })

        #expect(waitFor(5) { ((try? String(contentsOfFile: execOutput, encoding: .utf8)) ?? "").contains("}") })
        let summary = try #require(try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: execOutput))) as? [String: Any])
        #expect(summary["id"] as? String == alert.id)
        #expect(summary["from"] as? String == "Ulysse")
        #expect(summary["reason"] as? String == "panic")
        #expect(summary["match"] == nil && summary["place"] == nil)

        // The receiver was down: the webhook and ntfy hooks are retried until it is up.
        #expect(waitFor(10) { carol.log.contains("hook failed; will retry") }, "\(carol.log)")
        let receiver = try Helper(["python3", ProtocolPeer.script.replacingOccurrences(of: "protocol_peer.py", with: "hook_receiver.py"), "\(port)", received])
        #expect(waitFor(20) { jsonLines(received).count >= 2 }, "hooks not retried: \(carol.log)")
        _ = receiver
        let requests = jsonLines(received)
        let webhook = try #require(requests.first { $0["path"] as? String == "/hook" })
        #expect(webhook["content_type"] as? String == "application/json")
        #expect((webhook["body"] as? String)?.contains(alert.id) == true)
        let ntfy = try #require(requests.first { $0["path"] as? String == "/meetup-topic" })
        #expect(ntfy["priority"] as? String == "urgent")
        #expect((ntfy["body"] as? String)?.contains("meetup alert from Ulysse: panic") == true)
        #expect(!((ntfy["body"] as? String) ?? "").contains("Alexandre"))
    }
}

/// Paths of the files under `directory` whose bytes contain `needle` (UTF-8).
func filesContaining(_ needle: String, under directory: String) throws -> [String] {
    let target = Data(needle.utf8)
    var found: [String] = []
    let enumerator = FileManager.default.enumerator(atPath: directory)
    while let relative = enumerator?.nextObject() as? String {
        let path = directory + "/" + relative
        guard let data = FileManager.default.contents(atPath: path) else { continue }
        if data.range(of: target) != nil { found.append(relative) }
    }
    return found
}
