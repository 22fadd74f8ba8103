import CheckInCore
import Foundation
import PropertyBased
import Testing

/// Who is told what: the policy over random histories of the machine (the property tests' simulator), and
/// the escalation rule.
@Suite("DeliveryPolicy")
struct DeliveryPolicyTests {
    let machine = CheckInMachine()

    /// Runs the records through the policy as the store does, one transition at a time.
    static func steps(_ records: [CheckInMachinePropertyTests.Record]) -> [(record: CheckInMachinePropertyTests.Record, steps: [TransitionStep])] {
        var open = OpenIncidents()
        return records.map { record in
            let decided = DeliveryPolicy.steps(for: record.effects, open: open, at: record.instant)
            open = decided.open
            return (record, decided.steps)
        }
    }

    /// Every notice the steps commit, with whether it is quiet: the alerts' own notices included.
    static func notices(_ steps: [TransitionStep]) -> [(kind: NoticeKind, quiet: Bool)] {
        steps.flatMap { step -> [(kind: NoticeKind, quiet: Bool)] in
            switch step {
            case let .notice(kind, _, quiet): [(kind, quiet)]
            case let .alert(alert, _): alert.notices.map { ($0, false) }
            case .history, .reminded, .warnUser: []
            }
        }
    }

    /// What the user's own node shows of a transition: its history lines, the alerts' included.
    static func visibleLines(_ steps: [TransitionStep]) -> [String] {
        steps.compactMap { step in
            switch step {
            case let .history(entry, _): entry.kind
            case .reminded: "reminder"
            case let .warnUser(warning, _): "warn-\(warning)"
            case let .alert(alert, _): alert.showsInHistory ? "alert-\(alert.intent.draft.reason.rawValue)" : nil
            case .notice: nil
            }
        }
    }

    static func isDuress(_ event: CheckInEvent) -> Bool {
        if case .duress = event { true } else { false }
    }

    @Test("no sequence of events under the duress PIN ever sends a resolved, a heartbeat or a stand-down")
    func duressNeverSaysSafe() async {
        let simulator = CheckInMachinePropertyTests()
        await propertyCheck(input: CheckInMachinePropertyTests.schedules, CheckInMachinePropertyTests.steps) { schedule, steps in
            let records = try simulator.simulate(every: schedule.0, grace: schedule.1, length: schedule.2, steps: steps)
            for (record, steps) in Self.steps(records) where Self.isDuress(record.event) {
                for notice in Self.notices(steps) {
                    #expect(!(notice.kind.saysSafe && !notice.quiet), "a duress command told contacts the user is safe: \(record.event)")
                    #expect(![.heartbeat, .standDownDone, .standDownAlerted].contains(notice.kind), "\(notice.kind) under duress: \(record.event)")
                }
            }
        }
    }

    @Test("over random histories: a duress command shows on the user's node exactly as the real PIN's would")
    func duressLooksReal() async {
        let simulator = CheckInMachinePropertyTests()
        await propertyCheck(input: CheckInMachinePropertyTests.schedules, CheckInMachinePropertyTests.steps) { schedule, steps in
            let records = try simulator.simulate(every: schedule.0, grace: schedule.1, length: schedule.2, steps: steps)
            var open = OpenIncidents()
            for record in records {
                let decided = DeliveryPolicy.steps(for: record.effects, open: open, at: record.instant)
                if case let .duress(command) = record.event, let event = command.event {
                    let real = machine.apply(event, to: record.before, at: record.instant)
                    let realSteps = DeliveryPolicy.steps(for: real.effects, open: open, at: record.instant).steps
                    #expect(Self.visibleLines(decided.steps) == Self.visibleLines(realSteps), "\(record.event)")
                    // The replica (whose confirmation shows in `status`) goes out with either PIN.
                    #expect(
                        Self.notices(decided.steps).filter { $0.kind == .replica }.count
                            == Self.notices(realSteps).filter { $0.kind == .replica }.count)
                }
                open = decided.open
            }
        }
    }

    @Test("over random histories: each alert has one alert notice; a stand-down only for a new alert that shows; 'checked in' only after an alert, 'done' at every end")
    func alertNotices() async {
        let simulator = CheckInMachinePropertyTests()
        await propertyCheck(input: CheckInMachinePropertyTests.schedules, CheckInMachinePropertyTests.steps) { schedule, steps in
            let records = try simulator.simulate(every: schedule.0, grace: schedule.1, length: schedule.2, steps: steps)
            for (record, steps) in Self.steps(records) {
                let alerts = steps.compactMap { if case let .alert(alert, _) = $0 { alert } else { nil } }
                #expect(alerts.map(\.intent.draft) == CheckInMachinePropertyTests.alerts(record.effects))
                for alert in alerts {
                    #expect(alert.notices.first == .alert && alert.notices.filter { $0 == .alert }.count == 1)
                    let opensVisible = if case .open = alert.intent { !alert.intent.draft.silent } else { false }
                    #expect(alert.notices.contains(.standDownAlerted) == opensVisible)
                    #expect(alert.showsInHistory == !alert.intent.draft.silent)
                }
                for notice in Self.notices(steps) where notice.kind == .checkedIn {
                    #expect(record.before.phase == .alerted, "checked in after an alert without one: \(record.event)")
                }
                // The end of a plan is told (the fan-out sends it only where an alert went), every end.
                let ends = record.effects.contains { $0 == .record(.done) || $0 == .record(.resolved) }
                #expect(Self.notices(steps).contains { $0.kind == .done } == ends, "\(record.event)")
            }
        }
    }

    @Test("a replica goes to guardians when the plan starts, is extended or moves; a heartbeat on each real check-in")
    func guardianNotices() {
        let t = Date(timeIntervalSince1970: 1_000)
        func kinds(_ entry: HistoryEntry) -> [NoticeKind] {
            Self.notices(DeliveryPolicy.steps(for: [.record(entry)], open: OpenIncidents(), at: t).steps).map(\.kind)
        }
        #expect(kinds(.started) == [.replica])
        #expect(kinds(.extended(until: t)) == [.replica])
        #expect(kinds(.checkIn) == [.heartbeat])
        #expect(kinds(.checkInAfterAlert) == [.checkedIn, .heartbeat])
        #expect(kinds(.done) == [.done, .standDownDone])
        #expect(kinds(.resolved) == [.done, .standDownDone])
        #expect(kinds(.wrongPIN) == [])
        #expect(kinds(.deadlinePassed(t)) == [])
    }

    @Test("the user is warned of a reminder and of a passed deadline, each for its deadline, and of nothing else")
    func userWarnings() {
        let t = Date(timeIntervalSince1970: 1_000)
        let deadline = t.addingTimeInterval(150)
        let reminded = DeliveryPolicy.steps(for: [.remind(deadline: deadline)], open: OpenIncidents(), at: t).steps
        #expect(reminded == [.reminded(at: t), .warnUser(.reminder(deadline: deadline), at: t)])
        let overdue = DeliveryPolicy.steps(for: [.record(.deadlinePassed(deadline))], open: OpenIncidents(), at: deadline).steps
        #expect(overdue == [.history(.deadlinePassed(deadline), at: deadline), .warnUser(.overdue(deadline: deadline), at: deadline)])
        for entry in [HistoryEntry.started, .checkIn, .checkInAfterAlert, .done, .resolved, .wrongPIN, .extended(until: t)] {
            let steps = DeliveryPolicy.steps(for: [.record(entry)], open: OpenIncidents(), at: t).steps
            #expect(!steps.contains { if case .warnUser = $0 { true } else { false } }, "\(entry)")
        }
    }

    @Test("under duress an end after an alert is a quiet 'done', and the guardians' watch runs on")
    func duressEnd() {
        let t = Date(timeIntervalSince1970: 1_000)
        let duress = AlertDraft(reason: .duress, raisedAt: t, silent: true)
        let decided = DeliveryPolicy.steps(for: [.record(.resolved), .raiseAlert(duress)], open: OpenIncidents(visible: true), at: t)
        #expect(decided.steps == [
            .notice(.done, at: t, quiet: true),
            .history(.resolved, at: t),
            .alert(AlertStep(.open(duress)), at: t),
        ])
        #expect(decided.open == OpenIncidents(visible: false, silent: true))
    }

    @Test("a location line is dated at the phone's time, the transition's other steps at its instant")
    func dates() throws {
        let t = Date(timeIntervalSince1970: 1_000)
        let fix = LocationFix(geo: try Coordinate(lat: 1, lon: 2), accuracy: nil, at: t.addingTimeInterval(-30))
        let steps = DeliveryPolicy.steps(for: [.record(.location(fix)), .remind(deadline: t)], open: OpenIncidents(), at: t).steps
        #expect(steps == [
            .notice(.replica, at: t, quiet: false), .history(.location(fix), at: fix.at), .reminded(at: t),
            .warnUser(.reminder(deadline: t), at: t),
        ])
    }

    @Test("tier 1 is sent at once; tier 2 after the escalation delay, or at once when no tier-1 contact is left")
    func escalation() {
        let raised = Date(timeIntervalSince1970: 1_000)
        let now = raised.addingTimeInterval(10)
        #expect(DeliveryPolicy.firstAttempt(tier: 1, recipientTiers: [1, 2], raisedAt: raised, escalateAfter: 300, now: now) == now)
        #expect(
            DeliveryPolicy.firstAttempt(tier: 2, recipientTiers: [1, 2], raisedAt: raised, escalateAfter: 300, now: now)
                == raised.addingTimeInterval(300))
        #expect(DeliveryPolicy.firstAttempt(tier: 2, recipientTiers: [2, 2], raisedAt: raised, escalateAfter: 300, now: now) == now)
        // Fanned out after the delay (a node that was down): at once, never in the past.
        let late = raised.addingTimeInterval(900)
        #expect(DeliveryPolicy.firstAttempt(tier: 2, recipientTiers: [1, 2], raisedAt: raised, escalateAfter: 300, now: late) == late)
    }
}
