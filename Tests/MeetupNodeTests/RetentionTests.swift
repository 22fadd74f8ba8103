import CheckInCore
import Foundation
import GRDB
import MeetupControl
import MeetupCrypto
@testable import MeetupNode
import MeetupProtocol
import Testing

/// Retention on a real database file, with a clock the test moves.
@Suite("retention")
struct RetentionTests {
    let fixture: NodeFixture
    var clock: ManualClock { fixture.clock }
    var node: Node { fixture.node }
    var plans: PlanService { fixture.plans }
    var contacts: ContactService { fixture.contacts }

    init() throws {
        fixture = try NodeFixture()
    }

    /// Every byte of the database and its WAL.
    func databaseBytes() throws -> Data {
        let path = node.configuration.home.databasePath
        return try [path, path + "-wal"].reduce(into: Data()) { all, file in
            if FileManager.default.fileExists(atPath: file) { all += try Data(contentsOf: URL(fileURLWithPath: file)) }
        }
    }

    func receivedAlert(from user: ContactRecord, id: String) throws {
        let payload = AlertPayload(
            plan: "PLAN\(id)", reason: .panic, raisedAt: clock.now, deadline: nil, match: try MatchDetails(pseudonym: "Kiwi"),
            place: try Place(name: "Cafe"), start: clock.now, until: clock.now.addingTimeInterval(3600), trail: [], checkIns: [],
            history: [])
        try node.store.writer.write { db in
            try node.inbox.alertReceiver(at: node.clock.now).receive(
                db, AlertMessage(alert: id, late: false, payload: payload, photo: nil), from: user, at: clock.now, hooks: [],
                via: Store.directRoute, guardianCard: nil)
        }
    }

    @Test("ended plans and acknowledged alerts go after the retention period, leaving no bytes in the files; the rest stays")
    func purgeLeavesNothing() throws {
        let user = try fixture.addContact("Ulysse")

        let ended = try plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true))
        _ = try plans.location(ended.plan, LocationRequest(geo: "48.85,2.35", accuracy: nil))
        _ = try plans.panic(ended.plan)
        _ = try node.courier.noticeFanOut(at: clock.now).run(limit: 10, now: clock.now)
        let alertID = try #require(try plans.status(ended.plan).alerts.first?.id)
        _ = try plans.pinCommand(ended.plan, pin: "1234", .done)
        try receivedAlert(from: user, id: "ACKEDALERTID1")
        try receivedAlert(from: user, id: "OPENALERTID22")
        let acked = try #require(try contacts.alerts(all: true).alerts.first { $0.plan == "PLANACKEDALERTID1" })
        _ = try contacts.ack(acked.id)
        let running = try plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "60d", also: true, noContacts: true))

        let gone = [ended.plan, alertID, "ACKEDALERTID1", acked.id]
        let before = try databaseBytes()
        for text in gone { #expect(before.range(of: Data(text.utf8)) != nil, "\(text) is not in the files to begin with") }

        #expect(try node.purger.purge() == PurgeResult(plans: 0, receivedAlerts: 0, watches: 0), "nothing is old yet")
        clock.advance(by: NodeConfiguration.defaultRetention + 60)
        let result = try node.purger.purge()
        #expect(result.plans == 1)
        #expect(result.receivedAlerts == 1)
        let after = try databaseBytes()
        for text in gone { #expect(after.range(of: Data(text.utf8)) == nil, "\(text) is still in the database files") }
        for text in [running.plan, "OPENALERTID22"] { #expect(after.range(of: Data(text.utf8)) != nil, "\(text) was purged") }
        #expect(throws: ControlError.planNotFound(id: ended.plan)) { try plans.status(ended.plan) }
        #expect(try contacts.alerts(all: true).alerts.map(\.plan) == ["PLANOPENALERTID22"])
    }
}
