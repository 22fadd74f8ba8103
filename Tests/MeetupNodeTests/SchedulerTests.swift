import CheckInCore
import Foundation
import GRDB
import Logging
import MeetupControl
@testable import MeetupNode
import Testing

/// The scheduler and the plan service on a real store with a clock the test moves.
@Suite("Scheduler and PlanService")
struct SchedulerTests {
    let directory: TemporaryDirectory
    let clock = ManualClock()
    let node: Node
    let plans: PlanService

    init() throws {
        directory = try TemporaryDirectory()
        node = try Node.forTests(in: directory, clock: clock)
        plans = node.plans
        _ = try plans.setPIN(PINSetRequest(pin: "1234", duressPIN: "9876", currentPIN: nil))
    }

    func arm(every: String = "10m", grace: String = "2m") throws -> PlanStatus {
        try plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: every, grace: grace, length: "1h", also: true, noContacts: true))
    }

    @Test("nothing fires before its instant; grace over fires the missed alert at its own instant, not late")
    func firesOnTime() throws {
        let plan = try arm()
        let scheduler = node.scheduler
        clock.advance(by: 700)
        try scheduler.runDue()
        #expect(try plans.status(plan.plan).phase == .grace)
        clock.advance(by: 19.5)
        try scheduler.runDue()
        #expect(try plans.status(plan.plan).alerts.isEmpty)
        clock.advance(by: 0.6)
        try scheduler.runDue()
        let alerted = try plans.status(plan.plan)
        #expect(alerted.phase == .alerted)
        #expect(alerted.alerts.map(\.reason) == ["missed"])
        #expect(alerted.alerts.first?.raisedAt == plan.nextDeadline!.addingTimeInterval(120))
        #expect(alerted.alerts.first?.late == false)
        #expect(try node.store.earliestWake() == nil)
    }

    @Test("a deadline that fell due while the node was down fires once, dated at its instant, marked late")
    func catchUpIsLate() throws {
        let plan = try arm()
        clock.advance(by: 3 * 3600)
        let scheduler = node.scheduler
        #expect(try scheduler.runDue() == 1)
        #expect(try scheduler.runDue() == 0)
        let alerted = try plans.status(plan.plan)
        #expect(alerted.alerts.count == 1)
        #expect(alerted.alerts.first?.late == true)
        #expect(alerted.alerts.first?.raisedAt == plan.nextDeadline!.addingTimeInterval(120))
    }

    @Test("the running scheduler sleeps until the next wake and is nudged by a new plan")
    func runningService() async throws {
        let scheduler = node.scheduler
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await scheduler.run() }
            // Armed after the scheduler went to sleep with nothing to wait for: the nudge wakes it.
            try await Task.sleep(for: .milliseconds(50))
            let plan = try arm(every: "5s", grace: "1s")
            clock.advance(by: 6.2)
            var state = ""
            for _ in 0..<500 {
                state = try plans.status(plan.plan).phase.rawValue
                if state == "alerted" { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(state == "alerted")
            group.cancelAll()
        }
    }

    @Test("finding due plans and the next wake uses the wake_at index, not a scan")
    func usesIndex() throws {
        let details = try node.store.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT MIN(wake_at) FROM plan WHERE wake_at IS NOT NULL")
                + Row.fetchAll(
                    db, sql: "EXPLAIN QUERY PLAN SELECT id FROM plan WHERE wake_at IS NOT NULL AND wake_at <= ? ORDER BY wake_at LIMIT 10",
                    arguments: [Date()])
        }.map { $0["detail"] as String }
        #expect(details.count == 2)
        #expect(details.allSatisfy { $0.contains("USING") && $0.contains("plan_wake_at") }, "\(details)")
    }

    @Test("a wrong PIN is refused and counted; the duress PIN answers like the real one")
    func pins() throws {
        let plan = try arm()
        #expect(throws: ControlError.wrongPIN) { try plans.pinCommand(plan.plan, pin: "0000", .checkIn) }
        let real = try plans.pinCommand(plan.plan, pin: "1234", .checkIn)
        let duress = try plans.pinCommand(plan.plan, pin: "9876", .checkIn)
        #expect(duress.alerts == real.alerts)
        #expect(duress.phase == real.phase)
        let silent = try node.store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT reason FROM alert WHERE silent = 1")
        }
        #expect(silent == ["duress"])
        #expect(try node.status().counts.alerts == 0)
    }

    @Test("PLAN left out means the one running plan; none or several is refused")
    func currentPlan() throws {
        #expect(throws: ControlError.noActivePlan) { try plans.status(PlanStatus.currentID) }
        #expect(throws: ControlError.noContacts, "Help with no plan and nobody to alert") { try plans.panic(PlanStatus.currentID) }
        let plan = try arm()
        #expect(try plans.status(PlanStatus.currentID).plan == plan.plan)
        _ = try arm()
        #expect(throws: ControlError.planAmbiguous(ids: try plans.list().plans.map(\.plan))) { try plans.panic(PlanStatus.currentID) }
        #expect(throws: ControlError.planNotFound(id: "nope")) { try plans.status("nope") }
    }

    @Test("the easy slips: arming with nobody to alert, or while a plan runs, is refused until the user says they mean it")
    func slips() throws {
        let alone = ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h")
        #expect(throws: ControlError.self) { try plans.arm(alone) }
        #expect(try plans.list().plans.isEmpty, "nothing armed")
        var meant = alone
        meant.noContacts = true
        let first = try plans.arm(meant)
        #expect(throws: ControlError.planRunning(ids: [first.plan])) { try plans.arm(meant) }
        meant.also = true
        let second = try plans.arm(meant)
        #expect(Set(try plans.list().plans.map(\.plan)) == [first.plan, second.plan])
        #expect(ControlError.planRunning(ids: [first.plan]).message.contains("arm --also"))
    }

    @Test("changing the PINs needs the current one; the duress PIN changes them too, and alerts silently")
    func changePIN() throws {
        let plan = try arm()
        #expect(throws: ControlError.self) { try plans.setPIN(PINSetRequest(pin: "1111", duressPIN: "2222", currentPIN: nil)) }
        #expect(throws: ControlError.wrongPIN) {
            try plans.setPIN(PINSetRequest(pin: "1111", duressPIN: "2222", currentPIN: "0000"))
        }
        _ = try plans.setPIN(PINSetRequest(pin: "1111", duressPIN: "2222", currentPIN: "9876"))
        #expect(try plans.pinCommand(plan.plan, pin: "1111", .checkIn).phase == .active)
        let silent = try node.store.writer.read { db in try String.fetchAll(db, sql: "SELECT reason FROM alert") }
        #expect(silent == ["duress"])
    }
}

@Suite("Scheduler resilience")
struct SchedulerResilienceTests {
    @Test("a damaged plan row is taken off the schedule and the other plans still alert")
    func damagedRow() throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let node = try Node.forTests(in: directory, clock: clock)
        let plans = node.plans
        _ = try plans.setPIN(PINSetRequest(pin: "1234", duressPIN: "9876", currentPIN: nil))
        let broken = try plans.arm(ArmRequest(match: "A", place: "P", every: "10m", grace: "1m", also: true, noContacts: true))
        let healthy = try plans.arm(ArmRequest(match: "B", place: "P", every: "10m", grace: "1m", also: true, noContacts: true))
        try node.store.writer.write { db in
            try db.execute(sql: "UPDATE plan SET details = x'00' WHERE id = ?", arguments: [broken.plan])
        }
        clock.advance(by: 1000)
        try node.scheduler.runDue()
        #expect(try plans.status(healthy.plan).alerts.map(\.reason) == ["missed"])
        let brokenWake = try node.store.writer.read { db in
            try Row.fetchOne(db, sql: "SELECT wake_at, phase FROM plan WHERE id = ?", arguments: [broken.plan])
        }
        #expect(brokenWake?["wake_at"] as Date? == nil)
        #expect(brokenWake?["phase"] as String? == "scheduled")  // its partial transition was rolled back
        #expect(try node.store.earliestWake() == nil)
    }
}
