import Foundation

/// Tunables of the machine, set by the node's configuration.
public struct CheckInRules: Equatable, Sendable {
    /// Wrong PINs in a row that raise a `pin-failures` alert.
    public var pinFailureLimit: Int
    /// Seconds an ended plan is kept before it expires.
    public var retention: Int

    public init(pinFailureLimit: Int = 5, retention: Int = 30 * 86_400) {
        self.pinFailureLimit = pinFailureLimit
        self.retention = retention
    }
}

/// The result of one event: the new state, what the node must do, and, for a refused command, what the
/// user is told. A refused command leaves the state as it was (a duress alert may still go out).
public struct Transition: Equatable, Sendable {
    public var state: CheckInState
    public var effects: [CheckInEffect]
    public var refusal: CheckInRefusal?

    public init(state: CheckInState, effects: [CheckInEffect], refusal: CheckInRefusal?) {
        self.state = state
        self.effects = effects
        self.refusal = refusal
    }
}

/// The check-in state machine: pure functions of (state, event, now). No I/O, no clock.
public struct CheckInMachine: Sendable {
    public let rules: CheckInRules

    public init(rules: CheckInRules = CheckInRules()) {
        self.rules = rules
    }

    public func apply(_ event: CheckInEvent, to state: CheckInState, at now: Date) -> Transition {
        var next = state
        var effects: [CheckInEffect] = []
        let ended = Transition(state: state, effects: [], refusal: .ended)
        switch event {
        case .startReached:
            switch state.phase {
            case .scheduled:
                next.phase = .active
                next.deadline = state.schedule.deadline(after: state.schedule.start)
                effects.append(.record(.started))
            case .active, .grace, .alerted, .done, .expired:
                break
            }
        case .reminderDue:
            switch state.phase {
            case .active:
                guard let deadline = state.deadline, state.remindedFor != deadline else { break }
                next.remindedFor = deadline
                effects.append(.remind(deadline: deadline))
            case .scheduled, .grace, .alerted, .done, .expired:
                break
            }
        case .deadlineReached:
            switch state.phase {
            case .active:
                guard let deadline = state.deadline, deadline <= now else { break }
                next.phase = .grace
                effects.append(.record(.deadlinePassed(deadline)))
            case .scheduled, .grace, .alerted, .done, .expired:
                break
            }
        case .graceOver:
            switch state.phase {
            case .grace:
                guard let deadline = state.deadline else { break }
                let graceEnd = deadline.addingTimeInterval(TimeInterval(state.schedule.grace))
                guard graceEnd <= now else { break }
                next.phase = .alerted
                effects.append(.raiseAlert(AlertDraft(reason: .missed, raisedAt: graceEnd, deadline: deadline, silent: false)))
            case .scheduled, .active, .alerted, .done, .expired:
                break
            }
        case .retentionOver:
            switch state.phase {
            case .done:
                next.phase = .expired
            case .scheduled, .active, .grace, .alerted, .expired:
                break
            }
        case .checkIn:
            switch state.phase {
            case .scheduled:
                return Transition(state: state, effects: [], refusal: .notStarted(start: state.schedule.start))
            case .active, .grace:
                next.lastCheckIn = now
                next.pinFailures = 0
                next.roll(at: now)
                effects.append(.record(.checkIn))
            case .alerted:
                // A false alarm (one check-in forgotten) must not end the watch: the plan goes back to
                // active with a new deadline, so that a second miss raises a second alert. Once until +
                // grace has passed there is nothing left to watch: the plan stays alerted until `done`.
                next.lastCheckIn = now
                next.pinFailures = 0
                if now < state.schedule.until.addingTimeInterval(TimeInterval(state.schedule.grace)) { next.roll(at: now) }
                effects.append(.record(.checkInAfterAlert))
            case .done, .expired:
                return ended
            }
        case let .extend(until):
            guard !state.phase.isEnded else { return ended }
            guard until > now, until > state.schedule.start else {
                return Transition(state: state, effects: [], refusal: .untilNotInFuture)
            }
            next.schedule.until = until
            next.pinFailures = 0
            effects.append(.record(.extended(until: until)))
            switch state.phase {
            case .active, .grace:
                // A PIN-verified extend proves presence as a check-in does: the deadline rolls from now.
                next.lastCheckIn = now
                next.roll(at: now)
            case .scheduled, .alerted, .done, .expired:
                break
            }
        case .done:
            switch state.phase {
            case .scheduled, .active, .grace:
                next.end(at: now)
                effects.append(.record(.done))
            case .alerted:
                next.end(at: now)
                next.resolved = true
                effects.append(.record(.resolved))
            case .done, .expired:
                return ended
            }
        case let .duress(command):
            // Exactly what the real PIN would do, plus one silent alert, whatever the plan's phase.
            var visible = command.event.map { apply($0, to: state, at: now) }
                ?? Transition(state: state, effects: [], refusal: nil)
            visible.effects.append(.raiseAlert(AlertDraft(reason: .duress, raisedAt: now, silent: true)))
            return visible
        case .panic:
            switch state.phase {
            case .scheduled, .active, .grace, .alerted:
                next.phase = .alerted
                next.deadline = nil
                effects.append(.raiseAlert(AlertDraft(reason: .panic, raisedAt: now, silent: false)))
            case .done, .expired:
                return ended
            }
        case .wrongPIN:
            switch state.phase {
            case .scheduled, .active, .grace, .alerted:
                next.pinFailures += 1
                effects.append(.record(.wrongPIN))
                if next.pinFailures >= rules.pinFailureLimit {
                    next.pinFailures = 0
                    effects.append(.raiseAlert(AlertDraft(reason: .pinFailures, raisedAt: now, silent: true)))
                }
                return Transition(state: next, effects: effects, refusal: .wrongPIN)
            case .done, .expired:
                return Transition(state: state, effects: [], refusal: .wrongPIN)
            }
        case let .location(fix):
            switch state.phase {
            case .scheduled, .active, .grace, .alerted:
                effects.append(.record(.location(fix)))
            case .done, .expired:
                break
            }
        case let .region(transition):
            switch state.phase {
            case .scheduled, .active, .grace, .alerted:
                effects.append(.record(.region(transition)))
            case .done, .expired:
                break
            }
        }
        return Transition(state: next, effects: effects, refusal: nil)
    }

    /// The next time event this state waits for, and its instant. Nil when the plan waits for nothing.
    public func nextTimer(of state: CheckInState) -> (instant: Date, event: CheckInEvent)? {
        switch state.phase {
        case .scheduled:
            return (state.schedule.start, .startReached)
        case .active:
            guard let deadline = state.deadline else { return nil }
            if let reminder = state.reminderAt { return (reminder, .reminderDue) }
            return (deadline, .deadlineReached)
        case .grace:
            guard let deadline = state.deadline else { return nil }
            return (deadline.addingTimeInterval(TimeInterval(state.schedule.grace)), .graceOver)
        case .done:
            guard let endedAt = state.endedAt else { return nil }
            return (endedAt.addingTimeInterval(TimeInterval(rules.retention)), .retentionOver)
        case .alerted, .expired:
            return nil
        }
    }

    /// Applies every time event due by `now`, each at its own instant (a deadline missed while the node
    /// was down is dated when it fell due, not when the node woke).
    public func catchUp(_ state: CheckInState, to now: Date) -> (state: CheckInState, steps: [TimedEffects]) {
        var current = state
        var steps: [TimedEffects] = []
        while let (instant, event) = nextTimer(of: current), instant <= now {
            let transition = apply(event, to: current, at: instant)
            // A timer that changes nothing would fire forever; the machine never produces one, but a
            // damaged row must not hang the scheduler.
            guard transition.state != current else { break }
            current = transition.state
            steps.append(TimedEffects(instant: instant, event: event, effects: transition.effects, state: current))
        }
        return (current, steps)
    }
}

/// One time event applied by `catchUp`: the instant it belongs to, its effects, and the state after it.
public struct TimedEffects: Equatable, Sendable {
    public var instant: Date
    public var event: CheckInEvent
    public var effects: [CheckInEffect]
    public var state: CheckInState
}

extension CheckInState {
    /// Rolls the schedule after a check-in at `now`: the next deadline is `now + every`, never past
    /// `until`. After `until`, the deadline stays `until` and the plan stays in grace until `done`.
    mutating func roll(at now: Date) {
        let next = schedule.deadline(after: now)
        deadline = next
        phase = next > now ? .active : .grace
    }

    mutating func end(at now: Date) {
        phase = .done
        deadline = nil
        endedAt = now
    }
}
