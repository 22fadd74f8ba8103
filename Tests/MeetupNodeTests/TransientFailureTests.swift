import CheckInCore
import Foundation
import GRDB
import MeetupControl
@testable import MeetupNode
import Synchronization
import Testing

/// A store that fails on demand as a full disk does (SQLITE_FULL), through a function that temporary
/// triggers on the writer's connection call: errors of the moment must leave work queued, damaged rows
/// must be set aside, and both must show in /healthz.
@Suite("transient store failures")
struct TransientFailureTests {
    let fixture: NodeFixture
    var clock: ManualClock { fixture.clock }
    var node: Node { fixture.node }
    let failing = Failing()

    /// The tables whose writes fail; none at first.
    final class Failing: Sendable {
        private let tables = Mutex<Set<String>>([])
        func set(_ names: Set<String>) { tables.withLock { $0 = names } }
        func contains(_ name: String) -> Bool { tables.withLock { $0.contains(name) } }
    }

    static let everyTable: Set<String> = ["alert", "outbox", "plan", "history"]

    init() throws {
        fixture = try NodeFixture()
        try fixture.addContact("Anne")
        let failing = failing
        try fixture.node.store.writer.write { db in
            db.add(function: DatabaseFunction("test_disk_full", argumentCount: 1, pure: false) { values in
                if let table = String.fromDatabaseValue(values[0]), failing.contains(table) {
                    throw DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full")
                }
                return nil
            })
            for (name, event) in [("alert", "INSERT"), ("outbox", "INSERT"), ("plan", "UPDATE"), ("history", "INSERT")] {
                try db.execute(sql: "CREATE TEMP TRIGGER test_full_\(name) BEFORE \(event) ON \(name) BEGIN SELECT test_disk_full('\(name)'); END")
            }
        }
    }

    func armed() throws -> String {
        try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", grace: "5m", length: "2h", also: true, noContacts: true)).plan
    }

    func wakeAt(_ plan: String) throws -> Date? {
        try node.store.writer.read { db in try Date.fetchOne(db, sql: "SELECT wake_at FROM plan WHERE id = ?", arguments: [plan]) }
    }

    @Test("a due plan whose alert cannot be committed keeps its timer and alerts once the disk has room")
    func schedulerKeepsPlans() throws {
        let plan = try armed()
        _ = try node.courier.noticeFanOut(at: clock.now).run(limit: 10, now: clock.now)
        clock.advance(by: 16 * 60)
        // Only the alert's row fails: nothing else may be committed in its place (the plan's timer cleared).
        failing.set(["alert"])
        let scheduler = node.scheduler
        #expect(throws: DatabaseError.self) { try scheduler.runDue() }
        #expect(try wakeAt(plan) != nil, "the plan stays on the schedule")
        #expect(try node.store.setAsideWork().plans == 0)
        #expect(try fixture.plans.status(plan).alerts.isEmpty)
        failing.set([])
        #expect(try scheduler.runDue() == 1)
        let alerts = try fixture.plans.status(plan).alerts
        #expect(alerts.map(\.reason) == ["missed"])
        #expect(try scheduler.runDue() == 0, "nothing is raised twice")
    }

    @Test("a check-in refused by a full disk says nothing was recorded, and records nothing")
    func checkInRefused() throws {
        let plan = try armed()
        failing.set(Self.everyTable)
        #expect {
            try fixture.plans.pinCommand(plan, pin: "1234", .checkIn)
        } throws: { error in
            guard case let .storeUnavailable(reason) = error as? ControlError else { return false }
            return reason.contains("full") && (error as? ControlError)?.httpStatus == 503
        }
        failing.set([])
        #expect(try fixture.plans.status(plan).lastCheckIn == nil)
        #expect(try fixture.plans.pinCommand(plan, pin: "1234", .checkIn).lastCheckIn == clock.now)
    }

    @Test("a notice that cannot be fanned out stays queued, in order, and goes out once when the disk has room")
    func noticesStayQueued() throws {
        let plan = try armed()
        _ = try node.courier.noticeFanOut(at: clock.now).run(limit: 10, now: clock.now)
        _ = try fixture.plans.panic(plan)
        _ = try fixture.plans.pinCommand(plan, pin: "1234", .done)
        let kinds = { try node.store.writer.read { db in try String.fetchAll(db, sql: "SELECT kind FROM notice ORDER BY id") } }
        #expect(try kinds() == ["replica", "alert", "stand-down-alerted", "done", "stand-down-done"])
        failing.set(Self.everyTable)
        #expect(throws: DatabaseError.self) { try node.courier.noticeFanOut(at: clock.now).run(limit: 10, now: clock.now) }
        // The replica (no guardian: nothing to send) went; the alert and everything after it wait, in order.
        #expect(try kinds() == ["alert", "stand-down-alerted", "done", "stand-down-done"])
        #expect(try node.store.setAsideWork().notices == 0, "nothing set aside for an error of the moment")
        failing.set([])
        _ = try node.courier.noticeFanOut(at: clock.now).run(limit: 10, now: clock.now)
        #expect(try node.store.pendingNoticeCount() == 0)
        let types = try node.store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT type FROM outbox WHERE contact_id IS NOT NULL ORDER BY seq")
        }
        #expect(types == ["alert", "resolved"], "one of each, the alert first")
    }

    @Test("a damaged plan row is set aside, counted, and fails /healthz; a long failing loop does too")
    func healthTellsSetAsideAndFailingLoops() throws {
        let plan = try armed()
        node.schedulerPassed(at: clock.now)
        #expect(node.health().healthy)
        // A sealed value that no longer opens: the row itself is damaged.
        try node.store.writer.write { db in
            try db.execute(sql: "UPDATE plan SET details = x'00', wake_at = ? WHERE id = ?", arguments: [clock.now, plan])
        }
        clock.advance(by: 16 * 60)
        #expect(try node.scheduler.runDue() == 0)
        #expect(try wakeAt(plan) == nil)
        #expect(try node.store.setAsideWork().plans == 1)
        let report = node.health()
        #expect(!report.healthy)
        #expect(report.reasons.contains("scheduler: 1 running plan(s) off the schedule (damaged rows)"))
        #expect(try node.status().problems == ["scheduler: 1 running plan(s) off the schedule (damaged rows)"])

        let other = try TransientFailureTests()
        other.node.schedulerPassed(at: other.clock.now.addingTimeInterval(61))
        let error = DatabaseError(resultCode: .SQLITE_FULL, message: "database or disk is full")
        let first = other.node.reporter(.courier).failed(error)
        #expect(first == other.clock.now.addingTimeInterval(0.5))
        #expect(other.node.health().healthy, "a minute of grace before /healthz tells")
        other.clock.advance(by: 61)
        let retry = other.node.reporter(.courier).failed(error)
        #expect(retry == other.clock.now.addingTimeInterval(1))
        #expect(other.node.health().reasons == ["courier: failing for 61 s, 2 tries (database or disk is full); its work is still queued"])
        other.node.reporter(.courier).passed()
        #expect(other.node.health().healthy)
    }
}
