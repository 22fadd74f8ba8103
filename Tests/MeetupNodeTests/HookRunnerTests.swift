import CheckInCore
import Foundation
import GRDB
import MeetupControl
@testable import MeetupNode
import MeetupProtocol
import Synchronization
import Testing

/// Stands in for the hooks: records each call, and fails while told to.
final class RecordingHooks: HookPerformer {
    let calls = Mutex<[(kind: HookKind, message: HookMessage, targets: HookTargets)]>([])
    let failing = Mutex(false)

    struct Failed: Error {}

    func perform(_ kind: HookKind, message: HookMessage, targets: HookTargets) async throws {
        calls.withLock { $0.append((kind, message, targets)) }
        if failing.withLock({ $0 }) { throw Failed() }
    }

    var count: Int { calls.withLock { $0.count } }

    /// The JSON a call's command or webhook was given, as strings.
    static func fields(_ message: HookMessage) -> [String: String] {
        let object = (try? JSONSerialization.jsonObject(with: message.json)) as? [String: Any] ?? [:]
        return object.mapValues { "\($0)" }
    }
}

/// The hook runner's passes with the manual clock: a job runs once, a failing one is tried again after its
/// backoff and given up after `attemptLimit`, and what a hook is told.
@Suite("HookRunner")
struct HookRunnerTests {
    let fixture: NodeFixture
    var node: Node { fixture.node }
    var clock: ManualClock { fixture.clock }
    let hooks = RecordingHooks()

    init() throws {
        fixture = try NodeFixture()
        try Self.receive("ALERT1", reason: .missed, hooks: [.exec, .ntfy], on: fixture)
    }

    /// An alert from Ana, received now, with one job per hook.
    static func receive(_ id: String, reason: AlertReason, hooks: [HookKind], on fixture: NodeFixture, at now: Date? = nil) throws {
        let user = try fixture.node.store.contact(named: "Ana") ?? fixture.addContact("Ana")
        let now = now ?? fixture.clock.now
        let payload = AlertPayload(
            plan: "PLAN1", reason: reason, raisedAt: now, deadline: reason == .missed ? now : nil,
            match: try MatchDetails(pseudonym: "Kiwi"), place: try Place(name: "Cafe"), start: now.addingTimeInterval(-600),
            until: now.addingTimeInterval(3600), trail: [], checkIns: [], history: [])
        let receiver = fixture.node.inbox.alertReceiver(at: fixture.node.clock.now)
        try fixture.node.store.writer.write { db in
            try receiver.receive(
                db, AlertMessage(alert: id, late: false, payload: payload, photo: nil), from: user, at: now, hooks: hooks,
                via: Store.directRoute, guardianCard: nil)
        }
    }

    func pass() async throws -> Date? {
        var unrecorded: [Int64: HookRunner.HookOutcome] = [:]
        return try await node.hookRunner.pass(hooks, unrecorded: &unrecorded)
    }

    @Test("each configured hook runs once, told ids, sender and reason but not the match; then nothing is due")
    func runsOnce() async throws {
        #expect(try await pass() == nil)
        let calls = hooks.calls.withLock { $0 }
        #expect(calls.map(\.kind) == [.exec, .ntfy])
        let summary = RecordingHooks.fields(try #require(calls.first?.message))
        #expect(summary["event"] == "alert" && summary["plan"] == "PLAN1" && summary["from"] == "Ana" && summary["reason"] == "missed")
        #expect(summary["match"] == nil && summary["place"] == nil && summary["map_link"] == nil)
        #expect(calls.first?.message.title == "meetup alert" && calls.first?.message.priority == "urgent")
        _ = try await pass()
        #expect(hooks.count == 2)
    }

    @Test("the end of the plan and a check-in after the alert are told once each, with a line for chats")
    func standDown() async throws {
        _ = try await pass()
        let ana = try #require(try node.store.contact(named: "Ana"))
        for state in [ResolvedMessage.State.checkedIn, .checkedIn, .done, .done] {
            try await node.store.writer.write { db in
                try node.store.applyResolved(
                    db, ResolvedMessage(plan: "PLAN1", state: state, at: clock.now), from: ana, hooks: [.ntfy], at: clock.now)
            }
        }
        _ = try await pass()
        let calls = hooks.calls.withLock { $0 }.dropFirst(2)
        #expect(calls.map { RecordingHooks.fields($0.message)["event"] } == ["checked-in", "resolved"], "each told once")
        #expect(calls.first?.message.text == "meetup: Ana checked in after the missed alert (alert \(try #require(try node.store.receivedAlerts(all: true).first).id))")
        #expect(calls.last?.message.text.hasPrefix("meetup: Ana ended the plan after the missed alert: safe") == true)
        #expect(calls.last?.message.priority == "default" && calls.last?.message.title == "meetup: stand down")
        #expect(RecordingHooks.fields(try #require(calls.last?.message))["text"]?.hasPrefix("meetup: Ana ended the plan") == true)
    }

    @Test("a late 'checked in' marks only the alerts raised before it: the next alert of a plan watched again stays open")
    func lateCheckedIn() async throws {
        let checkedInAt = clock.now.addingTimeInterval(60)
        try Self.receive("ALERT2", reason: .missed, hooks: [.ntfy], on: fixture, at: clock.now.addingTimeInterval(600))
        let ana = try #require(try node.store.contact(named: "Ana"))
        try await node.store.writer.write { db in
            try node.store.applyResolved(
                db, ResolvedMessage(plan: "PLAN1", state: .checkedIn, at: checkedInAt), from: ana, hooks: [.ntfy], at: clock.now)
        }
        let alerts = try node.store.receivedAlerts(all: true)
        #expect(alerts.first { $0.raisedAt > checkedInAt }?.checkedInAt == nil, "the newer alert is not marked safe")
        #expect(alerts.first { $0.raisedAt < checkedInAt }?.checkedInAt == checkedInAt)
    }

    @Test("a failing hook is tried again after its backoff, not before, and given up after the attempt limit")
    func retries() async throws {
        hooks.failing.withLock { $0 = true }
        let next = try #require(try await pass())
        #expect(hooks.count == 2)
        #expect(next > clock.now && next <= clock.now.addingTimeInterval(Backoff.other.ceiling(afterAttempts: 2)))
        _ = try await pass()
        #expect(hooks.count == 2, "not due yet")
        for _ in 1..<HookRunner.attemptLimit {
            clock.advance(by: Backoff.other.cap + 1)
            _ = try await pass()
        }
        #expect(hooks.count == 2 * HookRunner.attemptLimit)
        clock.advance(by: Backoff.other.cap + 1)
        #expect(try await pass() == nil, "given up: the jobs are gone")
        #expect(hooks.count == 2 * HookRunner.attemptLimit)
    }

    @Test("who is on it: one entry per name, a bounded list, and a name that is not one refused")
    func ackNotes() async throws {
        let ana = try #require(try node.store.contact(named: "Ana"))
        let alert = try #require(try node.store.receivedAlerts(all: true).first)
        let held = try await node.store.writer.read { db in try ReceivedAlertRecord.fetchOne(db, key: alert.id) }
        let alertID = try #require(held).alertID
        try await node.store.writer.write { db in
            for index in 0..<(Store.ackNoteLimit + 20) {
                for _ in 0..<2 {
                    try node.store.applyAcked(
                        db, AckedMessage(alert: alertID, plan: "PLAN1", by: "C\(index)", ackedAt: clock.now), from: ana.signingKey)
                }
            }
        }
        let acks = try #require(try node.store.receivedAlert(id: alert.id)).acks
        #expect(acks.count == Store.ackNoteLimit && Set(acks.map(\.name)).count == acks.count)
        #expect(throws: EnvelopeError.self) {
            try Inbox.check(AckedMessage(alert: alertID, plan: "PLAN1", by: String(repeating: "x", count: 41), ackedAt: clock.now))
        }
        #expect(throws: EnvelopeError.self) { try Inbox.check(AckedMessage(alert: alertID, plan: "PLAN1", by: "", ackedAt: clock.now)) }
    }

    @Test("a job naming a hook this version does not know is dropped, and holds up no other")
    func unknownHook() async throws {
        try await node.store.writer.write { db in try db.execute(sql: "UPDATE hook_job SET hook = 'pager' WHERE hook = 'exec'") }
        #expect(try await pass() == nil)
        #expect(hooks.calls.withLock { $0.map(\.kind) } == [.ntfy])
        #expect(try await node.store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM hook_job") } == 0)
    }

    @Test("a job whose alert was purged is done without running")
    func alertGone() async throws {
        try await node.store.writer.write { db in try db.execute(sql: "DELETE FROM received_alert") }
        #expect(try await pass() == nil)
        #expect(hooks.count == 0)
    }

    @Test("with the real clock: the loop runs a job committed while it sleeps, woken by the commit")
    func wokenByCommit() async throws {
        try await node.store.writer.write { db in try db.execute(sql: "DELETE FROM received_alert") }
        try Self.receive("ALERT3", reason: .panic, hooks: [.exec, .ntfy], on: fixture, at: Date())
        let runner = HookRunner(
            store: node.store, clock: SystemClock(), hooks: node.currentHooks, wakeup: node.wakeups.hooks,
            reporter: node.reporter(.hooks), metrics: node.metrics, logger: node.logger)
        let task = Task {
            var unrecorded: [Int64: HookRunner.HookOutcome] = [:]
            while !Task.isCancelled {
                await runner.reporter.pass(wakeup: runner.wakeup) { try await runner.pass(hooks, unrecorded: &unrecorded) }
            }
        }
        defer { task.cancel() }
        #expect(await waitUntil { hooks.count == 2 })
        // A second alert's jobs, committed while the loop sleeps with nothing due.
        try await Task.sleep(for: .milliseconds(200))
        try Self.receive("ALERT2", reason: .pinFailures, hooks: [.exec], on: fixture, at: Date())
        #expect(await waitUntil { hooks.count == 3 }, "the commit woke the loop")
    }

    func waitUntil(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}

/// The user's own warnings: a reminder before the deadline and an overdue notice at it, through the reminder
/// hooks, with times and ids but nothing of the match; a warning that no longer stands is not sent.
@Suite("HookRunner: the user's warnings")
struct WarningHookTests {
    let fixture: NodeFixture
    var node: Node { fixture.node }
    var clock: ManualClock { fixture.clock }
    let hooks = RecordingHooks()
    let reminder = HookTargets(ntfy: "https://ntfy.example/my-phone")

    init() throws {
        fixture = try NodeFixture()
        fixture.node.currentHooks.replace(with: HookConfiguration(alert: HookTargets(exec: "alert-hook"), reminder: reminder))
    }

    func pass() async throws {
        var unrecorded: [Int64: HookRunner.HookOutcome] = [:]
        var runner = node.hookRunner
        runner.zone = TimeZone(identifier: "Europe/Paris")!
        _ = try await runner.pass(hooks, unrecorded: &unrecorded)
    }

    @Test("a reminder, then an overdue notice naming the alarm's time, reach the reminder hooks only, without the match")
    func reminderThenOverdue() async throws {
        let plan = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", grace: "2m", length: "1h", also: true, noContacts: true))
        let deadline = try #require(plan.nextDeadline)
        clock.advance(by: 460)
        try node.scheduler.runDue()
        try await pass()
        clock.advance(by: 150)
        try node.scheduler.runDue()
        try await pass()
        let calls = hooks.calls.withLock { $0 }
        #expect(calls.map(\.kind) == [.ntfy, .ntfy])
        #expect(calls.allSatisfy { $0.targets == reminder })
        let (first, second) = (RecordingHooks.fields(calls[0].message), RecordingHooks.fields(calls[1].message))
        #expect(first["event"] == "reminder" && second["event"] == "overdue")
        struct Warning: Decodable { var plan: String; var deadline: Date; var alarm_at: Date }
        let warnings = try calls.map { try ControlJSON.decoder().decode(Warning.self, from: $0.message.json) }
        #expect(warnings.allSatisfy { $0.plan == plan.plan && $0.deadline == deadline })
        #expect(warnings.allSatisfy { $0.alarm_at == deadline.addingTimeInterval(120) })
        let at = { ClockText.time($0, in: TimeZone(identifier: "Europe/Paris")!) }
        #expect(calls[0].message.text == "meetup: check in before \(at(deadline)), or your contacts are alerted at \(at(deadline.addingTimeInterval(120))).")
        #expect(calls[1].message.text.contains("overdue since \(at(deadline))"))
        #expect(calls[1].message.priority == "urgent" && calls[0].message.priority == "high")
        for call in calls {
            let json = String(decoding: call.message.json, as: UTF8.self)
            #expect(!json.contains("Kiwi") && !json.contains("Cafe") && !call.message.text.contains("Kiwi"))
        }
    }

    @Test("a warning that no longer stands is dropped: a check-in before the reminder runs, a miss caught up at once")
    func staleWarnings() async throws {
        let plan = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", grace: "2m", length: "1h", also: true, noContacts: true))
        clock.advance(by: 460)
        try node.scheduler.runDue()
        _ = try fixture.plans.pinCommand(plan.plan, pin: "1234", .checkIn)
        try await pass()
        #expect(hooks.count == 0, "the deadline it warned of no longer stands")
        // Down across the next deadline and its grace: the reminder and the overdue notice are caught up with
        // the alert, and neither is sent, since the contacts are alerted already.
        clock.advance(by: 2 * 3600)
        try node.scheduler.runDue()
        try await pass()
        #expect(hooks.count == 0)
        #expect(try await node.store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM hook_job") } == 0)
    }
}
