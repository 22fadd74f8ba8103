import CheckInCore
import Foundation
import GRDB
import MeetupControl
@testable import MeetupNode
import MeetupProtocol
import Testing

/// One incident, many updates, on a real store: repeated Help and duress join the open alert on the user's
/// node, and a contact's node shows one alert that is updated, with one hook run per update.
@Suite("incidents")
struct IncidentTests {
    let fixture: NodeFixture
    var clock: ManualClock { fixture.clock }
    var node: Node { fixture.node }
    var plans: PlanService { fixture.plans }

    init() throws {
        fixture = try NodeFixture()
        try fixture.addContact("First", tier: 1)
        try fixture.addContact("Second", tier: 2)
    }

    func alertRows(_ plan: String) throws -> [(id: String, reason: String, silent: Bool, revision: Int)] {
        try node.store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, reason, silent, revision FROM alert WHERE plan_id = ? ORDER BY recorded_at", arguments: [plan])
                .map { ($0["id"], $0["reason"], $0["silent"], $0["revision"]) }
        }
    }

    @Test("Help pressed three times is one alert, updated twice, sent again under its id; after a real check-in Help is a new alert")
    func helpPressedAgain() throws {
        let plan = try plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true)).plan
        for press in 0..<3 {
            clock.advance(by: 10)
            _ = try plans.apply(plan, .location(LocationFix(geo: try Coordinate(lat: 48.85 + Double(press) / 100, lon: 2.35), accuracy: nil, at: clock.now)))
            _ = try plans.panic(plan)
            _ = try node.courier.noticeFanOut(at: clock.now).run(limit: 20, now: clock.now)
        }
        let rows = try alertRows(plan)
        #expect(rows.count == 1)
        #expect(rows.first?.revision == 2)
        #expect(try plans.status(plan).alerts.count == 1)
        #expect(try plans.log(plan).events.filter { $0.kind == "alert-panic" }.count == 3, "each press is in the history")
        let copies = try node.store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT contact_name, alert_id, revision FROM outbox WHERE type = 'alert' ORDER BY seq")
                .map { "\($0["contact_name"] as String) \($0["alert_id"] as String) \($0["revision"] as Int)" }
        }
        let id = try #require(rows.first?.id)
        #expect(copies == (0...2).flatMap { ["First \(id) \($0)", "Second \(id) \($0)"] })

        _ = try plans.pinCommand(plan, pin: "1234", .checkIn)
        _ = try plans.panic(plan)
        let after = try alertRows(plan)
        #expect(after.count == 2, "a real check-in closed the incident")
        #expect(after.last?.revision == 0)
    }

    @Test("eight duress check-ins are one silent alert, updated seven times, and none shows on the user's node")
    func duressJoins() throws {
        let plan = try plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true)).plan
        for _ in 0..<8 {
            clock.advance(by: 30)
            _ = try plans.pinCommand(plan, pin: "9876", .checkIn)
        }
        let rows = try alertRows(plan)
        #expect(rows.map(\.reason) == ["duress"])
        #expect(rows.first?.silent == true && rows.first?.revision == 7)
        #expect(try plans.status(plan).alerts.isEmpty, "silent: nothing shows on the user's node")
    }

    @Test("wrong PINs, then the duress PIN: one silent incident that reads duress; Help after a missed check-in reads panic")
    func graverReasonWins() throws {
        let plan = try plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true)).plan
        for _ in 0..<node.configuration.rules.pinFailureLimit {
            _ = try? plans.pinCommand(plan, pin: "0000", .checkIn)
        }
        #expect(try alertRows(plan).map(\.reason) == ["pin-failures"])
        _ = try plans.pinCommand(plan, pin: "9876", .checkIn)
        #expect(try alertRows(plan).map(\.reason) == ["duress"], "contacts must read duress, not only wrong PINs")

        let other = try plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", grace: "5m", length: "1h", also: true, noContacts: true)).plan
        clock.advance(by: 16 * 60)
        _ = try node.scheduler.runDue()
        _ = try plans.panic(other)
        #expect(try alertRows(other).map(\.reason) == ["panic"])
        #expect(try plans.status(other).alerts.map(\.reason) == ["panic"])
    }

    @Test("an ack delivers the first copy only: an update still queued for that contact goes out")
    func ackKeepsUpdatesQueued() throws {
        let plan = try plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true)).plan
        _ = try plans.panic(plan)
        _ = try node.courier.noticeFanOut(at: clock.now).run(limit: 20, now: clock.now)
        _ = try plans.panic(plan)
        _ = try plans.panic(plan)
        _ = try node.courier.noticeFanOut(at: clock.now).run(limit: 20, now: clock.now)
        let first = try #require(try node.store.contact(named: "First"))
        let alertID = try #require(try alertRows(plan).first?.id)
        #expect(try node.store.writer.write { db in try node.store.recordAck(db, alertID: alertID, contactID: first.id, at: clock.now) })
        let states = try node.store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT revision, state FROM outbox WHERE contact_id = ? AND type = 'alert' ORDER BY revision", arguments: [first.id])
                .map { "\($0["revision"] as Int) \($0["state"] as String)" }
        }
        #expect(states == ["0 delivered", "2 queued"], "two presses fanned out together: one copy of the newest revision")
        let deliveries = try #require(try plans.status(plan).alerts.first).deliveries
        #expect(deliveries.map(\.contact) == ["First", "Second"], "one line per contact, the newest copy's")
        #expect(deliveries.first?.state == "acked")
    }

    @Test("an update comes without the photo and the contact keeps the first copy's; a first copy with a revision counts it")
    func updatesKeepThePhoto() throws {
        let user = try #require(try node.store.contact(named: "First"))
        let photo = Data([0xFF, 0xD8, 0xFF, 0xE0]) + Data(repeating: 1, count: 64)
        func message(revision: Int?, photo: Data?) throws -> AlertMessage {
            let payload = AlertPayload(
                plan: "PLAN2", reason: .panic, raisedAt: clock.now, deadline: nil, match: try MatchDetails(pseudonym: "Kiwi"),
                place: try Place(name: "Cafe"), start: clock.now, until: clock.now.addingTimeInterval(3600), trail: [], checkIns: [], history: [])
            return AlertMessage(alert: "ALERT2", late: false, payload: payload, photo: photo, revision: revision)
        }
        func receive(_ message: AlertMessage) throws {
            try node.store.writer.write { db in
                try node.inbox.alertReceiver(at: node.clock.now).receive(
                    db, message, from: user, at: clock.now, hooks: [.exec], via: Store.directRoute, guardianCard: nil)
            }
        }
        try receive(try message(revision: nil, photo: photo))
        try receive(try message(revision: 1, photo: nil))
        let shown = try fixture.contacts.alert(try #require(try fixture.contacts.alerts(all: true).alerts.first).id)
        #expect(shown.photo == photo && shown.revision == 1)

        // Revision 3 seen first (the earlier copies were lost or late): revision 3 again is no update.
        let late = try message(revision: 3, photo: nil)
        var moved = late
        moved.alert = "ALERT3"
        moved.payload.plan = "PLAN3"
        try receive(moved)
        try receive(moved)
        let jobs = try node.store.writer.read { db in try String.fetchAll(db, sql: "SELECT event FROM hook_job ORDER BY id") }
        #expect(jobs == ["alert", "update", "alert"])
    }

    @Test("a contact's node shows one alert: a higher revision replaces it and runs the hooks again; the same or a lower one does nothing")
    func receiverUpdates() throws {
        let user = try #require(try node.store.contact(named: "First"))
        func message(revision: Int?, lat: Double) throws -> AlertMessage {
            let fix = LocationFix(geo: try Coordinate(lat: lat, lon: 2.35), accuracy: nil, at: clock.now)
            let payload = AlertPayload(
                plan: "PLAN1", reason: .panic, raisedAt: clock.now, deadline: nil, match: try MatchDetails(pseudonym: "Kiwi"),
                place: try Place(name: "Cafe"), start: clock.now, until: clock.now.addingTimeInterval(3600),
                trail: [fix], checkIns: [], history: [])
            return AlertMessage(alert: "ALERT1", late: false, payload: payload, photo: nil, revision: revision)
        }
        func receive(_ message: AlertMessage) throws {
            try node.store.writer.write { db in
                try node.inbox.alertReceiver(at: node.clock.now).receive(
                    db, message, from: user, at: clock.now, hooks: [.exec], via: Store.directRoute, guardianCard: nil)
            }
        }
        func jobs() throws -> [String] {
            try node.store.writer.read { db in try String.fetchAll(db, sql: "SELECT event FROM hook_job ORDER BY id") }
        }
        try receive(try message(revision: nil, lat: 48.85))
        clock.advance(by: 20)
        try receive(try message(revision: 1, lat: 48.86))
        try receive(try message(revision: 1, lat: 48.99))
        try receive(try message(revision: nil, lat: 48.99))
        let alerts = try fixture.contacts.alerts(all: true).alerts
        #expect(alerts.count == 1)
        #expect(alerts.first?.trail.last?.geo.lat == 48.86, "the highest revision is shown")
        #expect(alerts.first?.revision == 1)
        #expect(alerts.first?.updatedAt == clock.now)
        #expect(try jobs() == ["alert", "update"])
        // Acknowledged, then updated: open again in the default list, with one more hook run.
        _ = try fixture.contacts.ack(try #require(alerts.first).id)
        #expect(try fixture.contacts.alerts(all: false).alerts.isEmpty)
        clock.advance(by: 20)
        try receive(try message(revision: 2, lat: 48.87))
        #expect(try fixture.contacts.alerts(all: false).alerts.map(\.revision) == [2], "pressed again after the ack: shown again")
        #expect(try jobs() == ["alert", "update", "update"])
        let summary = HookSummary(try #require(alerts.first), event: .update, details: false)
        #expect(summary.text.hasPrefix("meetup alert from First (updated): panic"))
        #expect(String(decoding: summary.message.json, as: UTF8.self).contains(#""event":"update""#))
    }
}
