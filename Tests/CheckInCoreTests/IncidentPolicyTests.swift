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

    static func closesWithRealPIN(_ event: CheckInEvent) -> Bool {
        switch event {
        case .checkIn, .done: true
        case .startReached, .reminderDue, .deadlineReached, .graceOver, .retentionOver, .extend, .duress, .panic, .wrongPIN,
             .location, .region:
            false
        }
    }

    @Test("over random histories: one intent per alert, and an alert opens a new incident only if none of its kind is open since the last real check-in or end")
    func updatesJoinTheOpenIncident() async {
        let simulator = CheckInMachinePropertyTests()
        await propertyCheck(input: CheckInMachinePropertyTests.schedules, CheckInMachinePropertyTests.steps) { schedule, steps in
            let records = try simulator.simulate(every: schedule.0, grace: schedule.1, length: schedule.2, steps: steps)
            var open = (visible: false, silent: false)
            for (record, intents) in Self.intents(records) {
                let alerts = CheckInMachinePropertyTests.alerts(record.effects)
                #expect(intents.map(\.draft) == alerts)
                // A command with the real PIN that went through closes both, before its own alerts.
                if Self.closesWithRealPIN(record.event), record.effects.contains(where: { if case .record = $0 { true } else { false } }) {
                    open = (false, false)
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

    @Test("over random histories: under duress nothing closes, so duress alerts after the first are updates until a real check-in")
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
                if Self.closesWithRealPIN(record.event), !record.effects.isEmpty { silentOpen = false }
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
        #expect(open == OpenIncidents(visible: true, silent: true), "a duress check-in closes nothing")
        #expect(press(.checkIn, at: 100).isEmpty)
        #expect(open == OpenIncidents())
        #expect(press(.panic, at: 110) == [.open(panic(110))])
    }
}
