import Foundation
import MeetupControl
import Testing

/// Guardians watch: real nodes on loopback; the user's node is killed, or cut off, and the guardian's
/// watchdog decides. Intervals of seconds, slack of 2 s.
@Suite("guardians: the watchdog, for real", .serialized)
struct WatchdogTests {
    static let slack = ["--guardian-slack", "2s"]
    static let match = ["--match", "Alexandre", "--phone", "+33 6 12 34 56 78", "--place", "Le Quetzal", "--geo", "48.8566,2.3522"]

    /// A user, a guardian ("Asso") and a contact ("Carol") who never paired with the guardian.
    static func trio(userArguments: [String] = []) throws -> (user: Daemon, guardian: Daemon, carol: Daemon) {
        let user = try Daemon.withPINs(extraArguments: userArguments)
        let guardian = try Daemon(extraArguments: slack)
        let carol = try Daemon()
        try user.addContact("Asso", card: try guardian.card, ["--guardian"])
        try guardian.addContact("Ulysse", card: try user.card)
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        return (user, guardian, carol)
    }

    @Test("on-time check-ins for 40 s alert no one; after kill -9 of the user's node, the contact gets one alert via the guardian")
    func killedUserNode() throws {
        let (user, guardian, carol) = try Self.trio()
        let plan = try user.arm(Self.match + ["--every", "4s", "--grace", "2s", "--for", "1h"])
        #expect(plan.guardians.first?.state == .confirmed)
        let start = Date()
        while Date().timeIntervalSince(start) < 40 {
            Thread.sleep(forTimeInterval: 2)
            #expect(try user.ctl(["checkin", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n").status == 0)
        }
        #expect(try carol.receivedAlerts().isEmpty, "an on-time user raised an alert")
        #expect(try guardian.receivedAlerts().isEmpty, "the guardian alarmed an on-time user")
        let deadline = try #require(try user.plan(plan.plan).nextDeadline)

        user.kill9()
        let killed = Date()
        let alert = try #require(try waitFor(4 + 2 + 2 + 10 + 5, poll: 0.1) { try carol.receivedAlerts().first },
                                 "no alert after the user's node died: \(guardian.log)")
        let latency = Date().timeIntervalSince(killed)
        print("user's node killed → contact's alert: \(String(format: "%.2f", latency)) s (deadline + grace + slack was \(String(format: "%.2f", deadline.addingTimeInterval(4).timeIntervalSince(killed))) s away)")
        #expect(latency <= 4 + 2 + 2 + 10)
        #expect(alert.reason == "missed")
        #expect(alert.from == "Ulysse")
        #expect(alert.match.pseudonym == "Alexandre")
        #expect(alert.place == "Le Quetzal")
        #expect(alert.via == ["Asso"])
        #expect(try waitFor(5) { try guardian.receivedAlerts().count == 1 }, "the guardian's own user does not see it")
        Thread.sleep(forTimeInterval: 3)
        #expect(try carol.receivedAlerts().count == 1, "more than one alert for one incident")
    }

    @Test("a guardian that cannot reach the user's node but receives heartbeats stays silent")
    func heartbeatsKeepItQuiet() throws {
        // The user's card names a dead endpoint: the guardian can never ask it; heartbeats still arrive.
        let (user, guardian, carol) = try Self.trio(userArguments: ["--advertise", "http://127.0.0.1:9"])
        let plan = try user.arm(Self.match + ["--every", "4s", "--grace", "2s", "--for", "1h"])
        for _ in 0 ..< 8 {
            Thread.sleep(forTimeInterval: 1.5)
            #expect(try user.ctl(["checkin", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n").status == 0)
        }
        Thread.sleep(forTimeInterval: 1)
        #expect(try guardian.receivedAlerts().isEmpty)
        _ = carol
    }

    @Test("a guardian restarted across a deadline alerts exactly once, marked late")
    func restartedGuardian() throws {
        let (user, guardian, carol) = try Self.trio()
        let plan = try user.arm(Self.match + ["--every", "3s", "--grace", "1s", "--for", "1h"])
        #expect(plan.guardians.first?.state == .confirmed)
        let port = try guardian.port
        #expect(guardian.stop() == 0)
        user.kill9()
        Thread.sleep(forTimeInterval: 8)
        let back = try Daemon(home: guardian.home, port: port, extraArguments: Self.slack)
        let alert = try #require(try waitFor(15) { try carol.receivedAlerts().first }, "no alert after the guardian restarted")
        #expect(alert.late)
        #expect(alert.via == ["Asso"])
        let restarted = try Daemon(home: back.home, port: port, extraArguments: Self.slack, stopping: back)
        Thread.sleep(forTimeInterval: 4)
        #expect(try carol.receivedAlerts().count == 1)
        #expect(try restarted.receivedAlerts().count == 1)
    }

    @Test("a guardian that hears no heartbeats but reaches a live user's node that proves the check-in stays silent")
    func livenessKeepsItQuiet() throws {
        let (user, guardian, carol) = try Self.trio()
        // A wider margin than elsewhere: each check-in checks two Argon2id hashes, slow when the whole suite runs.
        let plan = try user.arm(Self.match + ["--every", "4s", "--grace", "2s", "--for", "1h"])
        #expect(plan.guardians.first?.state == .confirmed)
        // The guardian comes back advertising an endpoint nobody answers on, and its card update tells the
        // user's node: heartbeats no longer reach it, but the guardian can still ask the user's node.
        #expect(guardian.stop() == 0)
        let moved = try Daemon(home: guardian.home, extraArguments: Self.slack + ["--advertise", "http://127.0.0.1:1"])
        for _ in 0 ..< 8 {
            Thread.sleep(forTimeInterval: 1.5)
            #expect(try user.ctl(["checkin", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n").status == 0)
        }
        Thread.sleep(forTimeInterval: 1)
        #expect(try moved.receivedAlerts().isEmpty)
        #expect(try carol.receivedAlerts().isEmpty)
        #expect(moved.log.contains("watched plan alive; standing down"), "\(moved.log)")
    }

    @Test("when the user's node and a guardian both send an alert, the contact shows one, with both routes")
    func oneAlarmNotTwo() throws {
        // The guardian cannot ask the user's node (dead endpoint in its card) and no longer hears from it (it
        // comes back at a dead endpoint, which its card update tells the user's node): both raise the missed
        // check-in.
        let (user, guardian, carol) = try Self.trio(userArguments: ["--advertise", "http://127.0.0.1:9"])
        // Carol must reach the user's node for acks; she does not need to here.
        let plan = try user.arm(Self.match + ["--every", "3s", "--grace", "1s", "--for", "1h"])
        #expect(plan.guardians.first?.state == .confirmed)
        #expect(guardian.stop() == 0)
        let moved = try Daemon(home: guardian.home, extraArguments: Self.slack + ["--advertise", "http://127.0.0.1:1"])
        let both = try waitFor(20) { () -> ReceivedAlert? in
            let alerts = try carol.receivedAlerts()
            return alerts.first { $0.via.count == 2 }
        }
        let alert = try #require(both, "no alert came through both routes")
        #expect(Set(alert.via) == ["their node", "Asso"])
        #expect(try carol.receivedAlerts().count == 1)
        _ = moved
    }

    @Test("from a guardian, tier 2 gets the alert after --escalate-after, unless a tier-1 contact acknowledges it")
    func escalationFromAGuardian() throws {
        for acknowledged in [false, true] {
            let (user, guardian, carol) = try Self.trio()
            let dave = try Daemon()
            try pair(user, as: "Ulysse", with: dave, as: "Dave", tierOfB: 2)
            let plan = try user.arm(Self.match + ["--every", "3s", "--grace", "1s", "--for", "1h", "--escalate-after", "3s"])
            #expect(plan.guardians.first?.state == .confirmed)
            user.kill9()
            let alert = try #require(try waitFor(15) { try carol.receivedAlerts().first }, "no relayed alert: \(guardian.log)")
            #expect(alert.via == ["Asso"])
            #expect(try dave.receivedAlerts().isEmpty, "tier 2 before the escalation delay")
            if acknowledged {
                let ack = try carol.ctl(["alerts", "ack", alert.id])
                #expect(ack.status == 0, "\(ack.stderr)")
                Thread.sleep(forTimeInterval: 5)
                #expect(try dave.receivedAlerts().isEmpty, "tier 2 alerted although tier 1 acknowledged")
                #expect(guardian.log.contains("type=ack"), "the ack did not reach the guardian: \(guardian.log)")
            } else {
                let escalated = try #require(try waitFor(8) { try dave.receivedAlerts().first }, "tier 2 never alerted")
                #expect(escalated.via == ["Asso"])
            }
        }
    }
}

extension WatchdogTests {
    @Test("the user's node dead, the guardian alarms; one contact's ack reaches the other through the guardian: who is on it")
    func ackThroughGuardian() throws {
        let (user, guardian, carol) = try Self.trio()
        let dave = try Daemon()
        try pair(user, as: "Ulysse", with: dave, as: "Dave")
        let plan = try user.arm(Self.match + ["--every", "3s", "--grace", "1s", "--for", "1h"])
        #expect(plan.guardians.first?.state == .confirmed)
        user.kill9()
        for node in [carol, dave] {
            #expect(try waitFor(25, poll: 0.2) { try node.receivedAlerts().first } != nil, "no alert via the guardian")
        }
        let carolsAlert = try #require(try carol.receivedAlerts().first)
        #expect(carolsAlert.via == ["Asso"])
        #expect(try carol.ctl(["alerts", "ack", carolsAlert.id]).status == 0)
        let onIt = try waitFor(15) { try dave.receivedAlerts().first.flatMap { $0.acks.isEmpty ? nil : $0.acks } }
        #expect(onIt?.map(\.name) == ["Carol"], "Dave was not told through the guardian: \(guardian.log)")
        #expect(try carol.receivedAlerts().first?.acks.isEmpty == true)
    }
}
