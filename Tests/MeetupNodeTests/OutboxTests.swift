import CheckInCore
import Foundation
import GRDB
import Logging
import MeetupControl
import MeetupCrypto
@testable import MeetupNode
import MeetupProtocol
import Testing

/// Notices, the outbox and its rules on a real store with a clock the test moves: escalation, ordering,
/// acks, and duress never saying "safe".
@Suite("outbox")
struct OutboxTests {
    let fixture: NodeFixture
    var clock: ManualClock { fixture.clock }
    var node: Node { fixture.node }
    var plans: PlanService { fixture.plans }
    var contacts: ContactService { fixture.contacts }

    init() throws {
        fixture = try NodeFixture()
        try fixture.addContact("First", tier: 1)
        try fixture.addContact("Second", tier: 2)
    }

    func panicked(escalateAfter: String = "1m") throws -> PlanStatus {
        let plan = try plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", escalateAfter: escalateAfter, also: true, noContacts: true))
        _ = try plans.panic(plan.plan)
        #expect(try node.courier.noticeFanOut(at: clock.now).run(limit: 10, now: clock.now).queued == 2)
        return try plans.status(plan.plan)
    }

    func due() throws -> [DueEnvelope] {
        try node.store.dueEnvelopes(now: clock.now, limit: 10, lease: 25)
    }

    @Test("an alert becomes one envelope per contact: tier 1 now, tier 2 after the escalation delay")
    func escalationDelay() throws {
        let plan = try panicked()
        let deliveries = try #require(plan.alerts.first).deliveries
        #expect(deliveries.map(\.contact) == ["First", "Second"])
        #expect(deliveries.map(\.state) == ["queued", "queued"])
        #expect(deliveries[1].escalatesAt == plan.alerts.first!.raisedAt.addingTimeInterval(60))
        #expect(try due().map(\.seq) == [1])
        clock.advance(by: 20)
        #expect(try due().isEmpty, "the first copy is leased while its attempt runs; the second waits")
        clock.advance(by: 41)
        #expect(try due().map(\.seq).sorted() == [1, 2], "the delay passed, and the lease of an attempt that never reported")
    }

    @Test("a pass tops each contact up to its share, counting what is under way, and leases what it takes")
    func perRecipientShares() throws {
        for _ in 0..<3 { _ = try panicked() }
        clock.advance(by: 61)
        let first = try #require(try node.store.contact(named: "First")), second = try #require(try node.store.contact(named: "Second"))
        func pass(perRecipient: Int = .max, underWay: [Int64: Int] = [:]) throws -> [Int64] {
            try node.store.dueEnvelopes(now: clock.now, limit: 10, perRecipient: perRecipient, underWay: underWay, lease: 25)
                .compactMap(\.contactID).sorted()
        }
        #expect(try pass(perRecipient: 2, underWay: [first.id: 2]) == [second.id, second.id], "First has its share under way")
        #expect(try pass(perRecipient: 2, underWay: [first.id: 1]) == [first.id, second.id].sorted(), "one more for First; Second's last")
        #expect(try pass() == [first.id, first.id], "what is leased is not due again; the rest comes")
        #expect(try pass().isEmpty)
        clock.advance(by: 26)
        #expect(try pass(perRecipient: 1, underWay: [second.id: 1]) == [first.id], "leases over: one of First's three")
    }

    @Test("a tier-1 ack cancels the tier-2 copy not yet sent")
    func ackCancelsEscalation() throws {
        let plan = try panicked()
        let alertID = try #require(plan.alerts.first?.id)
        let first = try #require(try node.store.contact(named: "First"))
        #expect(try node.store.writer.write { db in try node.store.recordAck(db, alertID: alertID, contactID: first.id, at: clock.now) })
        let deliveries = try #require(try plans.status(plan.plan).alerts.first).deliveries
        #expect(deliveries.map(\.state) == ["acked", "cancelled"])
        #expect(try plans.status(plan.plan).alerts.first?.acks == ["First"])
        clock.advance(by: 120)
        #expect(try due().isEmpty)
    }

    @Test("resolved needs nothing of the plan's row: a plan whose details are damaged still tells its contacts")
    func resolvedDespiteDamagedDetails() throws {
        let plan = try panicked()
        _ = try plans.pinCommand(plan.plan, pin: "1234", .done)
        try node.store.writer.write { db in try db.execute(sql: "UPDATE plan SET details = x'00'") }
        let result = try node.courier.noticeFanOut(at: clock.now).run(limit: 10, now: clock.now)
        // The stand-down, which needs the plan's guardians from its details, is set aside.
        #expect(result.failed.count == 1 && result.queued == 1)
        let types = try node.store.writer.read { db in try String.fetchAll(db, sql: "SELECT type FROM outbox ORDER BY seq") }
        #expect(types.filter { $0 == "resolved" }.count == 1)
    }

    @Test("resolved goes to whoever got the alert, and never before the alert to the same contact")
    func resolvedWaitsForTheAlert() throws {
        let plan = try panicked()
        let alertCopy = try #require(try due().first)
        _ = try plans.pinCommand(plan.plan, pin: "1234", .done)
        #expect(try node.courier.noticeFanOut(at: clock.now).run(limit: 10, now: clock.now).queued == 1, "tier 2 was never sent: no resolved")
        #expect(try plans.status(plan.plan).alerts.first?.deliveries.map(\.state) == ["queued", "cancelled"])
        #expect(try due().isEmpty, "resolved waits while the alert copy is in flight")
        try node.store.markDelivered(seq: alertCopy.seq, at: clock.now)
        #expect(try due().map(\.type) == [.resolved])
    }

    @Test("done under the duress PIN sends nothing reassuring, and the user's status looks as with the real PIN")
    func duressDoneSendsNoResolved() throws {
        let real = try panicked()
        let forced = try panicked()
        _ = try plans.pinCommand(real.plan, pin: "1234", .done)
        _ = try plans.pinCommand(forced.plan, pin: "9876", .done)
        #expect(try node.courier.noticeFanOut(at: clock.now).run(limit: 10, now: clock.now).queued == 3, "resolved to First; the duress alert to First and Second")
        func visible(_ plan: String) throws -> [String] {
            try plans.status(plan).alerts.flatMap { $0.deliveries.map { "\($0.contact) \($0.state)" } }
        }
        #expect(try visible(real.plan) == ["First queued", "Second cancelled"])
        #expect(try visible(forced.plan) == (try visible(real.plan)))
        let resolved = try node.store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT plan_id FROM outbox WHERE type = 'resolved'")
        }
        #expect(resolved == [real.plan])
        let duress = try node.store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT reason FROM alert WHERE plan_id = ? AND silent = 1", arguments: [forced.plan])
        }
        #expect(duress == ["duress"])
    }

    @Test("a notice that cannot be opened is set aside; the others still go out")
    func damagedNoticeIsSetAside() throws {
        let plan = try plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true))
        _ = try plans.panic(plan.plan)
        try node.store.writer.write { db in try db.execute(sql: "UPDATE alert SET payload = x'00'") }
        let other = try plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true))
        _ = try plans.panic(other.plan)
        let result = try node.courier.noticeFanOut(at: clock.now).run(limit: 10, now: clock.now)
        #expect(result.failed.count == 1)
        #expect(result.queued == 2)
        #expect(try node.store.pendingNoticeCount() == 0)
    }

    @Test("a contact of a running plan cannot be removed; once the plan is done, its queued copies are cancelled")
    func removedContact() throws {
        let plan = try panicked()
        #expect(throws: ControlError.contactInUse(name: "First", plan: plan.plan)) { try contacts.remove("First") }
        #expect(try plans.status(plan.plan).alerts.first?.deliveries.map(\.state) == ["queued", "queued"])
        _ = try plans.pinCommand(plan.plan, pin: "1234", .done)
        _ = try contacts.remove("First")
        let after = try plans.status(plan.plan).alerts.first?.deliveries.map { "\($0.contact) \($0.state)" }
        #expect(after == ["First cancelled", "Second queued"], "only the removed contact's copies")
        let next = try plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true))
        #expect(next.contacts == ["Second"])
        #expect(throws: ControlError.unknownContact(name: "First")) {
            try plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", length: "1h", contacts: ["First"], also: true, noContacts: true))
        }
    }

    @Test("an incident first seen through a guardian and acked is acked again under the user's node's own id")
    func ackReachesTheUserNodeUnderItsID() throws {
        let user = try #require(try node.store.contact(named: "First"))
        let deadline = clock.now
        func alert(_ id: String) throws -> AlertMessage {
            let payload = AlertPayload(
                plan: "PLAN1", reason: .missed, raisedAt: deadline, deadline: deadline, match: try MatchDetails(pseudonym: "Kiwi"),
                place: try Place(name: "Cafe"), start: deadline.addingTimeInterval(-600), until: deadline.addingTimeInterval(3600),
                trail: [], checkIns: [], history: [])
            return AlertMessage(alert: id, late: false, payload: payload, photo: nil)
        }
        func store(_ id: String, via route: String) throws {
            try node.store.writer.write { db in
                try node.inbox.alertReceiver(at: node.clock.now).receive(
                    db, try alert(id), from: user, at: clock.now, hooks: [], via: route, guardianCard: nil)
            }
        }
        func acks() throws -> [String] {
            try node.store.writer.read { db in
                try String.fetchAll(db, sql: "SELECT alert_id FROM outbox WHERE type = 'ack' ORDER BY seq")
            }
        }
        try store("ESCROW1", via: "Asso")
        let received = try #require(try contacts.alerts(all: true).alerts.first)
        _ = try contacts.ack(received.id)
        #expect(try acks() == ["ESCROW1"], "the user's node does not know the escrow id yet")
        try store("DIRECT1", via: Store.directRoute)
        #expect(try acks() == ["ESCROW1", "DIRECT1"], "the ack follows under the id the user's node knows")
        try store("DIRECT1", via: Store.directRoute)
        #expect(try acks() == ["ESCROW1", "DIRECT1"], "a repeated copy acks nothing again")
        let alerts = try contacts.alerts(all: true).alerts
        #expect(alerts.count == 1)
        #expect(alerts.first?.via == ["Asso", Store.directRoute])
    }

    @Test("an alert without a deadline (panic) sent again is one incident; another alert id is another")
    func panicCopiesAreOneIncident() throws {
        let user = try #require(try node.store.contact(named: "First"))
        func store(_ id: String) throws {
            let payload = AlertPayload(
                plan: "PLAN1", reason: .panic, raisedAt: clock.now, deadline: nil, match: try MatchDetails(pseudonym: "Kiwi"),
                place: try Place(name: "Cafe"), start: clock.now.addingTimeInterval(-600), until: clock.now.addingTimeInterval(3600),
                trail: [], checkIns: [], history: [])
            try node.store.writer.write { db in
                try node.inbox.alertReceiver(at: node.clock.now).receive(
                    db, AlertMessage(alert: id, late: false, payload: payload, photo: nil), from: user, at: clock.now, hooks: [],
                    via: Store.directRoute, guardianCard: nil)
            }
        }
        try store("PANIC1")
        try store("PANIC1")
        #expect(try contacts.alerts(all: true).alerts.count == 1, "the same id, no deadline: the same incident")
        try store("PANIC2")
        #expect(try contacts.alerts(all: true).alerts.count == 2)
    }
}
