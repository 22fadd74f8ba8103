import CheckInCore
import Foundation
import PropertyBased
import Testing

/// One incident, many updates: the policy over random histories of the machine (the property tests'
/// simulator), and the cases people meet.
@Suite("IncidentPolicy")
struct IncidentPolicyTests {
    let machine = CheckInMachine()

    /// Runs the records through the policy as the store does, one transition at a time.
    static func intents(_ records: [CheckInMachinePropertyTests.Record]) -> [(record: CheckInMachinePropertyTests.Record, intents: [AlertIntent])] {
        var open = OpenIncidents()
        return records.map { record in
            let applied = IncidentPolicy.apply(record.effects, open: open)
            open = applied.open
            return (record, applied.alerts)
        }
    }

    /// Whether the transition recorded a check-in or an end (with either PIN).
    static func checkedInOrEnded(_ effects: [CheckInEffect]) -> Bool {
        effects.contains { effect in
            guard case let .record(entry) = effect else { return false }
            return [HistoryEntry.checkIn, .checkInAfterAlert, .done, .resolved].contains(entry)
        }
    }

    static func isDuress(_ event: CheckInEvent) -> Bool {
        if case .duress = event { true } else { false }
    }

    @Test("over random histories: one intent per alert; an alert opens a new incident only if none of its kind is open since the last check-in or end (the real PIN's, for the silent kind)")
    func updatesJoinTheOpenIncident() async {
        let simulator = CheckInMachinePropertyTests()
        await propertyCheck(input: CheckInMachinePropertyTests.schedules, CheckInMachinePropertyTests.steps) { schedule, steps in
            let records = try simulator.simulate(every: schedule.0, grace: schedule.1, length: schedule.2, steps: steps)
            var open = (visible: false, silent: false)
            for (record, intents) in Self.intents(records) {
                let alerts = CheckInMachinePropertyTests.alerts(record.effects)
                #expect(intents.map(\.draft) == alerts)
                // A check-in or an end closes the visible incident, and with the real PIN the silent one, before
                // the transition's own alerts.
                if Self.checkedInOrEnded(record.effects) {
                    open.visible = false
                    if !Self.isDuress(record.event) { open.silent = false }
                }
                for intent in intents {
                    let isOpen = intent.draft.silent ? open.silent : open.visible
                    switch intent {
                    case .open: #expect(!isOpen, "a second incident of a kind while one is open: \(record.event)")
                    case .update: #expect(isOpen, "an update with no open incident: \(record.event)")
                    }
                    if intent.draft.silent { open.silent = true } else { open.visible = true }
                }
            }
        }
    }

    @Test("over random histories: duress alerts after the first are updates until a check-in with the real PIN")
    func duressNeverCloses() async {
        let simulator = CheckInMachinePropertyTests()
        await propertyCheck(input: CheckInMachinePropertyTests.schedules, CheckInMachinePropertyTests.steps) { schedule, steps in
            let records = try simulator.simulate(every: schedule.0, grace: schedule.1, length: schedule.2, steps: steps)
            var silentOpen = false
            for (record, intents) in Self.intents(records) {
                if case .duress = record.event {
                    #expect(intents.count == 1)
                    let draft = AlertDraft(reason: .duress, raisedAt: record.instant, silent: true)
                    #expect(intents.first == (silentOpen ? AlertIntent.update(draft) : .open(draft)))
                }
                if Self.checkedInOrEnded(record.effects), !Self.isDuress(record.event) { silentOpen = false }
                if intents.contains(where: \.draft.silent) { silentOpen = true }
            }
        }
    }

    @Test("Help pressed three times is one incident with two updates; after a real check-in, Help opens a new one")
    func helpPressedAgain() throws {
        var state = CheckInState(schedule: try Schedule(start: t0, every: 900, grace: 300, until: t0.addingTimeInterval(10_800)))
        state = machine.catchUp(state, to: t0).state
        var open = OpenIncidents()
        func press(_ event: CheckInEvent, at seconds: TimeInterval) -> [AlertIntent] {
            let transition = machine.apply(event, to: state, at: t0.addingTimeInterval(seconds))
            state = transition.state
            let applied = IncidentPolicy.apply(transition.effects, open: open)
            open = applied.open
            return applied.alerts
        }
        func panic(_ seconds: TimeInterval) -> AlertDraft { AlertDraft(reason: .panic, raisedAt: t0.addingTimeInterval(seconds), silent: false) }
        #expect(press(.panic, at: 60) == [.open(panic(60))])
        #expect(press(.panic, at: 70) == [.update(panic(70))])
        #expect(press(.panic, at: 80) == [.update(panic(80))])
        #expect(open == OpenIncidents(visible: true, silent: false))
        #expect(press(.duress(.checkIn), at: 90) == [.open(AlertDraft(reason: .duress, raisedAt: t0.addingTimeInterval(90), silent: true))])
        #expect(open == OpenIncidents(visible: false, silent: true), "a duress check-in closes what a real one would show closed, and no more")
        #expect(press(.checkIn, at: 100).isEmpty)
        #expect(open == OpenIncidents())
        #expect(press(.panic, at: 110) == [.open(panic(110))])
    }

    @Test("a duress check-in after Help on an alerted plan: the next Help opens a new alert, as after the real PIN")
    func duressShowsAsReal() throws {
        let schedule = try Schedule(start: t0, every: 900, grace: 300, until: t0.addingTimeInterval(10_800))
        func run(_ pin: CheckInEvent) -> [AlertIntent] {
            var state = machine.catchUp(CheckInState(schedule: schedule), to: t0).state
            var open = OpenIncidents()
            var visible: [AlertIntent] = []
            for (event, seconds) in [(CheckInEvent.panic, 60.0), (pin, 70), (.panic, 80)] {
                let transition = machine.apply(event, to: state, at: t0.addingTimeInterval(seconds))
                state = transition.state
                let applied = IncidentPolicy.apply(transition.effects, open: open)
                open = applied.open
                visible += applied.alerts.filter { !$0.draft.silent }
            }
            return visible
        }
        #expect(run(.checkIn) == run(.duress(.checkIn)))
        #expect(run(.checkIn).map { if case .open = $0 { "open" } else { "update" } } == ["open", "open"])
    }

    @Test("an incident joined by a graver alert takes its reason: duress over PIN failures, panic over a missed check-in")
    func graverReasonWins() {
        #expect(IncidentPolicy.reason(of: .pinFailures, joinedBy: .duress) == .duress)
        #expect(IncidentPolicy.reason(of: .duress, joinedBy: .pinFailures) == .duress)
        #expect(IncidentPolicy.reason(of: .missed, joinedBy: .panic) == .panic)
        #expect(IncidentPolicy.reason(of: .panic, joinedBy: .missed) == .panic)
        for reason in AlertReason.allCases { #expect(IncidentPolicy.reason(of: reason, joinedBy: reason) == reason) }
    }
}
