import Foundation
import GRDB
import MeetupControl
import MeetupCrypto
import MeetupProtocol
@testable import MeetupNode
import Testing

/// `/healthz`'s verdicts, on a real store with a clock the test moves.
@Suite("health")
struct HealthTests {
    let fixture: NodeFixture
    var clock: ManualClock { fixture.clock }
    var node: Node { fixture.node }

    init() throws {
        fixture = try NodeFixture()
    }

    @Test("failing until the scheduler passes; ok after; failing again when it has not passed for three ticks")
    func scheduler() {
        #expect(node.health().reasons == ["scheduler: not started"])
        node.schedulerPassed(at: clock.now)
        let ok = node.health()
        #expect(ok.healthy)
        #expect(ok.status == "ok")
        #expect(ok.databaseWritable)
        clock.advance(by: 3 * Node.schedulerTick + 1)
        #expect(node.health().reasons == ["scheduler: no pass for 91 s"])
    }

    @Test("failing while another process holds the database's write lock")
    func lockedDatabase() throws {
        node.schedulerPassed(at: clock.now)
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let other = try DatabaseQueue(path: node.configuration.home.databasePath, configuration: configuration)
        try other.inDatabase { db in try db.execute(sql: "BEGIN EXCLUSIVE") }
        let report = node.health()
        #expect(!report.databaseWritable)
        #expect(report.reasons.first?.hasPrefix("database: not writable") == true, "\(report.reasons)")
        try other.inDatabase { db in try db.execute(sql: "ROLLBACK") }
        #expect(!node.health().databaseWritable, "probed at most once a second: the same answer within it")
        clock.advance(by: 1)
        node.schedulerPassed(at: clock.now)
        #expect(node.health().healthy)
    }

    @Test("the outbox backlog is reported, and does not fail the check")
    func backlog() throws {
        node.schedulerPassed(at: clock.now)
        let plans = fixture.plans
        try fixture.addContact("First")
        let plan = try plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true))
        _ = try plans.panic(plan.plan)
        _ = try node.courier.noticeFanOut(at: clock.now).run(limit: 10, now: clock.now)
        clock.advance(by: 600)
        node.schedulerPassed(at: clock.now)
        let report = node.health()
        #expect(report.healthy)
        #expect(report.outboxQueued == 1)
        #expect(report.outboxOldestSeconds == 600)
        let remote = node.health(withBacklog: false)
        #expect(remote.healthy && remote.outboxQueued == nil && remote.outboxOldestSeconds == nil, "the backlog told to a remote caller")
    }
}
