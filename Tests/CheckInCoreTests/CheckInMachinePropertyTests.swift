import CheckInCore
import Foundation
import PropertyBased
import Testing

/// Random event sequences against the machine, with the scheduler's catch-up run between user events
/// exactly as the node runs it.
@Suite("CheckInMachine properties")
struct CheckInMachinePropertyTests {
    let machine = CheckInMachine()

    /// One step of a random history: wait `wait` seconds (timers fire), then do event number `code`.
    struct Step: Sendable, CustomStringConvertible {
        let wait: Int
        let code: Int
        var description: String { "+\(wait)s #\(code)" }
    }

    static let steps = zip(Gen.int(in: 0...400), Gen.int(in: 0...11))
        .map { Step(wait: $0, code: $1) }.array(of: 1...40)
    static let schedules = zip(Gen.int(in: 1...300), Gen.int(in: 1...200), Gen.int(in: 1...4000))

    func event(_ code: Int, now: Date, state: CheckInState) throws -> CheckInEvent {
        switch code {
        case 0, 1, 2: .checkIn
        case 3: .done
        case 4: .panic
        case 5: .wrongPIN
        case 6: .extend(until: state.schedule.until.addingTimeInterval(600))
        case 7: .duress(.checkIn)
        case 8: .duress(.done)
        case 9: .duress(.extend(until: now.addingTimeInterval(900)))
        case 10: .location(LocationFix(geo: try Coordinate(lat: 1, lon: 2), accuracy: nil, at: now))
        default: .extend(until: now.addingTimeInterval(-1))
        }
    }

    /// Everything that happened: each event with its effects, in order.
    struct Record {
        var event: CheckInEvent
        var byTimer: Bool
        var before: CheckInState
        var after: CheckInState
        var effects: [CheckInEffect]
        var instant: Date
    }

    func simulate(every: Int, grace: Int, length: Int, steps: [Step]) throws -> [Record] {
        let schedule = try Schedule(start: t0, every: every, grace: grace, until: t0.addingTimeInterval(TimeInterval(length)))
        var state = CheckInState(schedule: schedule)
        var now = t0
        var records: [Record] = []
        for step in steps {
            now = now.addingTimeInterval(TimeInterval(step.wait))
            for item in machine.catchUp(state, to: now).steps {
                records.append(Record(event: item.event, byTimer: true, before: state, after: item.state, effects: item.effects, instant: item.instant))
                state = item.state
            }
            let event = try event(step.code, now: now, state: state)
            let transition = machine.apply(event, to: state, at: now)
            records.append(Record(event: event, byTimer: false, before: state, after: transition.state, effects: transition.effects, instant: now))
            state = transition.state
        }
        return records
    }

    static func alerts(_ effects: [CheckInEffect]) -> [AlertDraft] {
        effects.compactMap { if case let .raiseAlert(draft) = $0 { draft } else { nil } }
    }

    @Test("at most one missed alert per deadline, each dated at deadline + grace after no check-in")
    func oneMissedAlertPerDeadline() async {
        await propertyCheck(input: Self.schedules, Self.steps) { schedule, steps in
            let records = try simulate(every: schedule.0, grace: schedule.1, length: schedule.2, steps: steps)
            let missed = records.flatMap { Self.alerts($0.effects) }.filter { $0.reason == .missed }
            let deadlines = missed.compactMap(\.deadline)
            #expect(Set(deadlines).count == missed.count)
            for alert in missed {
                #expect(alert.raisedAt == alert.deadline!.addingTimeInterval(TimeInterval(schedule.1)))
                #expect(!alert.silent)
            }
        }
    }

    @Test("every alert follows a missed deadline, panic, duress or PIN failures, and only silent ones are hidden")
    func alertsHaveCauses() async {
        await propertyCheck(input: Self.schedules, Self.steps) { schedule, steps in
            for record in try simulate(every: schedule.0, grace: schedule.1, length: schedule.2, steps: steps) {
                for alert in Self.alerts(record.effects) {
                    switch alert.reason {
                    case .missed: #expect(record.byTimer && record.event == .graceOver && record.before.phase == .grace)
                    case .panic: #expect(record.event == .panic)
                    case .duress:
                        if case .duress = record.event {} else { Issue.record("duress alert after \(String(describing: record.event))") }
                    case .pinFailures: #expect(record.event == .wrongPIN)
                    }
                    #expect(alert.silent == (alert.reason == .duress || alert.reason == .pinFailures))
                }
            }
        }
    }

    @Test("no alert while every check-in is on time and the plan ends with done before until + grace")
    func punctualPlansNeverAlert() async {
        await propertyCheck(input: Self.schedules, Gen.int(in: 0...1000).array(of: 1...30)) { schedule, fractions in
            let (every, grace, length) = schedule
            let plan = try Schedule(start: t0, every: every, grace: grace, until: t0.addingTimeInterval(TimeInterval(length)))
            var state = machine.apply(.startReached, to: CheckInState(schedule: plan), at: t0).state
            var now = t0
            var effects: [CheckInEffect] = []
            for fraction in fractions {
                // Check in somewhere strictly before the running deadline.
                guard let deadline = state.deadline, deadline > now else { break }
                let gap = deadline.timeIntervalSince(now)
                now = now.addingTimeInterval(max(gap * Double(fraction) / 1001, 0))
                let caught = machine.catchUp(state, to: now)
                effects += caught.steps.flatMap(\.effects)
                let transition = machine.apply(.checkIn, to: caught.state, at: now)
                effects += transition.effects
                state = transition.state
            }
            effects += machine.apply(.done, to: machine.catchUp(state, to: now).state, at: now).effects
            #expect(Self.alerts(effects).isEmpty)
        }
    }

    @Test("done is final: an ended plan's state stays ended and it emits nothing but duress alerts")
    func doneIsFinal() async {
        await propertyCheck(input: Self.schedules, Self.steps) { schedule, steps in
            for record in try simulate(every: schedule.0, grace: schedule.1, length: schedule.2, steps: steps)
            where record.before.phase.isEnded {
                #expect(record.after.phase.isEnded)
                for effect in record.effects {
                    #expect(effect == .raiseAlert(AlertDraft(reason: .duress, raisedAt: record.instant, silent: true)))
                }
            }
        }
    }

    @Test("deadlines never move past until")
    func deadlinesWithinUntil() async {
        await propertyCheck(input: Self.schedules, Self.steps) { schedule, steps in
            for record in try simulate(every: schedule.0, grace: schedule.1, length: schedule.2, steps: steps) {
                if let deadline = record.after.deadline { #expect(deadline <= record.after.schedule.until) }
                if let next = record.after.nextDeadline { #expect(next <= record.after.schedule.until) }
            }
        }
    }

    @Test("duress always yields exactly one duress alert, and otherwise exactly what the real PIN does")
    func duressIsIndistinguishable() async {
        await propertyCheck(input: Self.schedules, Self.steps, Gen.int(in: 0...3)) { schedule, steps, commandCode in
            let records = try simulate(every: schedule.0, grace: schedule.1, length: schedule.2, steps: steps)
            for state in records.map(\.after) {
                let now = (state.lastCheckIn ?? t0).addingTimeInterval(30)
                let command: PINCommand = switch commandCode {
                case 0: .checkIn
                case 1: .done
                case 2: .extend(until: now.addingTimeInterval(1200))
                default: .changePIN
                }
                let real = PINCommandEvent.event(command).map { machine.apply($0, to: state, at: now) }
                    ?? Transition(state: state, effects: [], refusal: nil)
                let duress = machine.apply(.duress(command), to: state, at: now)
                #expect(duress.state == real.state)
                #expect(duress.refusal == real.refusal)
                #expect(duress.effects == real.effects + [.raiseAlert(AlertDraft(reason: .duress, raisedAt: now, silent: true))])
            }
        }
    }
}

/// The real-PIN event of a command, spelled out here so the test does not lean on the code it checks.
enum PINCommandEvent {
    static func event(_ command: PINCommand) -> CheckInEvent? {
        switch command {
        case .checkIn: .checkIn
        case .done: .done
        case let .extend(until): .extend(until: until)
        case .changePIN: nil
        }
    }
}
