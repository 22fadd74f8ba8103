import CheckInCore
import Foundation
import Testing

let t0 = Date(timeIntervalSince1970: 1_800_000_000)

func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

/// A plan from t0 to t0 + 1 h, checked in every 10 min, with 2 min of grace.
func hourPlan(every: Int = 600, grace: Int = 120, until: Double = 3600) throws -> CheckInState {
    CheckInState(schedule: try Schedule(start: t0, every: every, grace: grace, until: at(until)))
}

@Suite("CheckInMachine")
struct CheckInMachineTests {
    let machine = CheckInMachine()

    func started(_ state: CheckInState) -> CheckInState {
        machine.apply(.startReached, to: state, at: t0).state
    }

    @Test("the start makes the plan active with its first deadline one interval later")
    func start() throws {
        let transition = machine.apply(.startReached, to: try hourPlan(), at: t0)
        #expect(transition.state.phase == .active)
        #expect(transition.state.deadline == at(600))
        #expect(transition.effects == [.record(.started)])
    }

    @Test("a check-in moves the next deadline to check-in time plus the interval")
    func checkInRolls() throws {
        let transition = machine.apply(.checkIn, to: started(try hourPlan()), at: at(300))
        #expect(transition.state.deadline == at(900))
        #expect(transition.state.phase == .active)
        #expect(transition.effects == [.record(.checkIn)])
    }

    @Test("the deadline never moves past until; the last deadline is until itself")
    func lastDeadlineIsUntil() throws {
        let transition = machine.apply(.checkIn, to: started(try hourPlan()), at: at(3300))
        #expect(transition.state.deadline == at(3600))
    }

    @Test("a passed deadline starts grace; grace over raises one missed alert dated at deadline + grace")
    func missedDeadline() throws {
        let (state, steps) = machine.catchUp(started(try hourPlan()), to: at(730))
        #expect(state.phase == .alerted)
        let alerts = steps.flatMap(\.effects).compactMap { effect -> AlertDraft? in
            if case let .raiseAlert(draft) = effect { return draft } else { return nil }
        }
        #expect(alerts == [AlertDraft(reason: .missed, raisedAt: at(720), deadline: at(600), silent: false)])
        #expect(steps.map(\.instant) == [at(450), at(600), at(720)])  // reminder, deadline, grace over
    }

    @Test("a check-in inside grace makes the plan active again")
    func checkInDuringGrace() throws {
        let inGrace = machine.catchUp(started(try hourPlan()), to: at(650)).state
        #expect(inGrace.phase == .grace)
        let transition = machine.apply(.checkIn, to: inGrace, at: at(700))
        #expect(transition.state.phase == .active)
        #expect(transition.state.deadline == at(1300))
    }

    @Test("one reminder per deadline, a quarter interval before it and at least 5 s before")
    func reminders() throws {
        let state = started(try hourPlan())
        #expect(state.reminderAt == at(450))
        let reminded = machine.apply(.reminderDue, to: state, at: at(450))
        #expect(reminded.effects == [.remind(deadline: at(600))])
        #expect(reminded.state.reminderAt == nil)
        #expect(machine.apply(.reminderDue, to: reminded.state, at: at(460)).effects.isEmpty)
        let short = started(try hourPlan(every: 12))
        #expect(short.reminderAt == at(7))
        // An interval shorter than the lead gets no reminder at all.
        #expect(started(try hourPlan(every: 4)).reminderAt == nil)
    }

    @Test("a check-in after an alert is recorded as such and puts the plan back on watch: a second miss alerts again")
    func afterAlert() throws {
        let alerted = machine.catchUp(started(try hourPlan()), to: at(800)).state
        #expect(alerted.phase == .alerted)
        let checkIn = machine.apply(.checkIn, to: alerted, at: at(900))
        #expect(checkIn.state.phase == .active)
        #expect(checkIn.state.deadline == at(1_500))
        #expect(checkIn.state.lastCheckIn == at(900))
        #expect(checkIn.effects == [.record(.checkInAfterAlert)])
        let (missedAgain, steps) = machine.catchUp(checkIn.state, to: at(1_700))
        #expect(missedAgain.phase == .alerted)
        #expect(steps.flatMap(\.effects).contains(
            .raiseAlert(AlertDraft(reason: .missed, raisedAt: at(1_620), deadline: at(1_500), silent: false))))
        let done = machine.apply(.done, to: missedAgain, at: at(1_650))
        #expect(done.state.phase == .done)
        #expect(done.state.resolved)
        #expect(done.effects == [.record(.resolved)])
    }

    @Test("after Help, a PIN check-in resumes the watch; past until + grace nothing is left to watch and it stays alerted")
    func afterPanicAndPastUntil() throws {
        let panicked = machine.apply(.panic, to: started(try hourPlan()), at: at(100)).state
        let resumed = machine.apply(.checkIn, to: panicked, at: at(200)).state
        #expect(resumed.phase == .active)
        #expect(resumed.deadline == at(800))
        let late = machine.catchUp(started(try hourPlan(until: 700)), to: at(5_000)).state
        #expect(late.phase == .alerted)
        let after = machine.apply(.checkIn, to: late, at: at(5_100))
        #expect(after.state.phase == .alerted)
        #expect(after.effects == [.record(.checkInAfterAlert)])
        #expect(machine.nextTimer(of: after.state) == nil, "no alarm raised by a check-in")
    }

    @Test("a plan not ended with done by until + grace alerts, even after late check-ins")
    func untilPlusGrace() throws {
        var state = started(try hourPlan(until: 700))
        state = machine.apply(.checkIn, to: state, at: at(500)).state
        #expect(state.deadline == at(700))
        state = machine.catchUp(state, to: at(750)).state
        #expect(state.phase == .grace)
        state = machine.apply(.checkIn, to: state, at: at(760)).state
        #expect(state.phase == .grace)  // still past until: only done ends the plan
        let (final, steps) = machine.catchUp(state, to: at(821))
        #expect(final.phase == .alerted)
        #expect(steps.last?.instant == at(820))
    }

    @Test("extend moves until and rolls the deadline from now; an end in the past is refused")
    func extend() throws {
        let state = machine.apply(.checkIn, to: started(try hourPlan()), at: at(3300)).state
        let extended = machine.apply(.extend(until: at(7200)), to: state, at: at(3400))
        #expect(extended.state.schedule.until == at(7200))
        #expect(extended.state.deadline == at(4000))
        #expect(extended.effects == [.record(.extended(until: at(7200)))])
        let refused = machine.apply(.extend(until: at(3000)), to: state, at: at(3400))
        #expect(refused.refusal == .untilNotInFuture)
        #expect(refused.state == state)
    }

    @Test("before the start a check-in is refused; done cancels the plan")
    func beforeStart() throws {
        let plan = try hourPlan()
        #expect(machine.apply(.checkIn, to: plan, at: t0.addingTimeInterval(-10)).refusal == .notStarted(start: t0))
        #expect(machine.apply(.done, to: plan, at: t0.addingTimeInterval(-10)).state.phase == .done)
    }

    @Test("an ended plan refuses commands and changes no more")
    func endedIsFinal() throws {
        let done = machine.apply(.done, to: started(try hourPlan()), at: at(100)).state
        for event in [CheckInEvent.checkIn, .done, .extend(until: at(9000)), .panic] {
            let transition = machine.apply(event, to: done, at: at(200))
            #expect(transition.refusal == .ended)
            #expect(transition.state == done)
            #expect(transition.effects.isEmpty)
        }
        #expect(machine.apply(.wrongPIN, to: done, at: at(200)).effects.isEmpty)
    }

    @Test("panic alerts at once and the plan is alerted")
    func panic() throws {
        let transition = machine.apply(.panic, to: started(try hourPlan()), at: at(100))
        #expect(transition.state.phase == .alerted)
        #expect(transition.effects == [.raiseAlert(AlertDraft(reason: .panic, raisedAt: at(100), silent: false))])
    }

    @Test("five wrong PINs in a row raise one silent pin-failures alert; a right PIN resets the count")
    func pinFailures() throws {
        var state = started(try hourPlan())
        for _ in 0..<4 { state = machine.apply(.wrongPIN, to: state, at: at(10)).state }
        state = machine.apply(.checkIn, to: state, at: at(11)).state
        #expect(state.pinFailures == 0)
        var alerts: [AlertDraft] = []
        for _ in 0..<5 {
            let transition = machine.apply(.wrongPIN, to: state, at: at(12))
            #expect(transition.refusal == .wrongPIN)
            state = transition.state
            alerts += transition.effects.compactMap { if case let .raiseAlert(a) = $0 { a } else { nil } }
        }
        #expect(alerts == [AlertDraft(reason: .pinFailures, raisedAt: at(12), silent: true)])
        #expect(state.phase == .active)
    }

    @Test("a location is recorded and is never a check-in")
    func location() throws {
        let state = started(try hourPlan())
        let fix = LocationFix(geo: try Coordinate(lat: 48.85, lon: 2.35), accuracy: 12, at: at(500))
        let transition = machine.apply(.location(fix), to: state, at: at(500))
        #expect(transition.state == state)
        #expect(transition.effects == [.record(.location(fix))])
    }

    @Test("the duress PIN does what the real PIN does, plus one silent duress alert")
    func duress() throws {
        let state = started(try hourPlan())
        let real = machine.apply(.checkIn, to: state, at: at(300))
        let duress = machine.apply(.duress(.checkIn), to: state, at: at(300))
        #expect(duress.state == real.state)
        #expect(duress.refusal == real.refusal)
        #expect(duress.effects == real.effects + [.raiseAlert(AlertDraft(reason: .duress, raisedAt: at(300), silent: true))])
    }

    @Test("done after retention expires the plan")
    func retention() throws {
        let machine = CheckInMachine(rules: CheckInRules(retention: 60))
        let done = machine.apply(.done, to: started(try hourPlan()), at: at(100)).state
        #expect(machine.nextTimer(of: done)?.instant == at(160))
        #expect(machine.catchUp(done, to: at(200)).state.phase == .expired)
    }
}
