import Foundation

/// What a plan's contacts or guardians are to be told. Decided with a transition and committed with it as
/// a notice; the courier turns each notice into envelopes later (docs/ARCHITECTURE.md, "Notices").
/// The raw value is the notice's `kind` column.
public enum NoticeKind: String, Codable, Sendable, CaseIterable {
    /// An alert, new or updated, to the plan's recipients.
    case alert
    /// The plan as it stands, with its escrow, to each guardian.
    case replica
    /// A PIN-verified check-in's new deadline, to each guardian.
    case heartbeat
    /// The plan ended: each guardian drops its watch.
    case standDownDone = "stand-down-done"
    /// This node raised the alert itself: guardians must not raise the same incident again.
    case standDownAlerted = "stand-down-alerted"
    /// The user ended the plan: told to every contact an alert went to (none when it never alerted).
    case done
    /// The user checked in after an alert: told to every contact an alert went to.
    case checkedIn = "checked-in"

    /// Whether the notice tells contacts that the user is safe: what duress must never send.
    public var saysSafe: Bool {
        switch self {
        case .done, .checkedIn: true
        case .alert, .replica, .heartbeat, .standDownDone, .standDownAlerted: false
        }
    }

    /// Whether the notice goes to guardians only.
    public var isForGuardians: Bool {
        switch self {
        case .replica, .heartbeat, .standDownDone, .standDownAlerted: true
        case .alert, .done, .checkedIn: false
        }
    }
}

/// An alert of a transition, with what the node commits along with it.
public struct AlertStep: Equatable, Sendable {
    public var intent: AlertIntent
    /// The notices about this alert, in order: always `alert`; `standDownAlerted` for a new alert that
    /// shows on the user's node, since guardians must not raise that incident again.
    public var notices: [NoticeKind]
    /// Whether the alert leaves a line in the plan's history: only one the user may see.
    public var showsInHistory: Bool

    public init(_ intent: AlertIntent) {
        self.intent = intent
        let silent = intent.draft.silent
        switch intent {
        case .open: notices = silent ? [.alert] : [.alert, .standDownAlerted]
        case .update: notices = [.alert]
        }
        showsInHistory = !silent
    }
}

/// A warning to the user of the plan's own node, through its reminder hooks: never a detail of the match.
public enum UserWarning: Equatable, Sendable {
    /// The deadline comes soon: check in before it.
    case reminder(deadline: Date)
    /// The deadline passed: the alarm follows at the end of grace unless the user checks in.
    case overdue(deadline: Date)
}

/// One thing a transition commits, in order.
public enum TransitionStep: Equatable, Sendable {
    /// A line of the plan's history as the machine recorded it, at the phone's time when it has one.
    case history(HistoryEntry, at: Date)
    /// A reminder fell due: a history line.
    case reminded(at: Date)
    /// Something the user is warned of, on their own node.
    case warnUser(UserWarning, at: Date)
    /// An alert, opened or updated, with its notices.
    case alert(AlertStep, at: Date)
    /// Something to tell contacts or guardians. A quiet notice does the bookkeeping and sends nothing.
    case notice(NoticeKind, at: Date, quiet: Bool)
}

/// Who is told what, and when: the machine's effects, the plan's open incidents and its recipients become
/// typed steps to commit and copies to send. Pure, like the machine.
public enum DeliveryPolicy {
    /// The steps of one transition at `instant`, and the incidents it leaves open.
    ///
    /// The duress rules: under duress (a transition that raises a duress alert) the contacts must never be
    /// told that the user is safe, so "done" or a check-in after an alert is a quiet notice; and the
    /// guardians get no heartbeat and no stand-down, so that their watch runs on. A replica goes out as
    /// with the real PIN, since its confirmation shows in `status`.
    public static func steps(
        for effects: [CheckInEffect], open: OpenIncidents, at instant: Date
    ) -> (steps: [TransitionStep], open: OpenIncidents) {
        let incidents = IncidentPolicy.apply(effects, open: open)
        var intents = incidents.alerts.makeIterator()
        let duress = effects.contains { if case let .raiseAlert(draft) = $0 { draft.reason == .duress } else { false } }
        var steps: [TransitionStep] = []
        for effect in effects {
            switch effect {
            case let .record(entry):
                if let kind = contactNotice(after: entry) {
                    steps.append(.notice(kind, at: instant, quiet: duress))
                }
                if let kind = guardianNotice(after: entry), !duress || kind == .replica {
                    steps.append(.notice(kind, at: instant, quiet: false))
                }
                steps.append(.history(entry, at: entry.reportedAt ?? instant))
                if case let .deadlinePassed(deadline) = entry {
                    steps.append(.warnUser(.overdue(deadline: deadline), at: instant))
                }
            case let .remind(deadline):
                steps.append(.reminded(at: instant))
                steps.append(.warnUser(.reminder(deadline: deadline), at: instant))
            case let .raiseAlert(draft):
                // IncidentPolicy gives one intent per alert, in order.
                let intent = intents.next() ?? .open(draft)
                steps.append(.alert(AlertStep(intent), at: instant))
            }
        }
        return (steps, incidents.open)
    }

    /// What contacts are told after an alert: the user ended the plan, or checked in after all. Every end is
    /// told, since a plan checked in after its alert is back on watch and ends as `done`: the fan-out sends it
    /// only to the contacts an alert went to, so a plan that never alerted tells no one.
    static func contactNotice(after entry: HistoryEntry) -> NoticeKind? {
        switch entry {
        case .resolved, .done: .done
        case .checkInAfterAlert: .checkedIn
        case .started, .checkIn, .deadlinePassed, .extended, .wrongPIN, .location, .region: nil
        }
    }

    /// What guardians are told: a fresh replica when the plan changes, a heartbeat on a check-in, a
    /// stand-down when it ends.
    static func guardianNotice(after entry: HistoryEntry) -> NoticeKind? {
        switch entry {
        case .started, .extended, .location: .replica
        case .checkIn, .checkInAfterAlert: .heartbeat
        case .done, .resolved: .standDownDone
        case .deadlinePassed, .wrongPIN, .region: nil
        }
    }

    /// When each copy of an alert raised at `raisedAt` may first be attempted: tier 1 at once, tier 2 after
    /// the plan's escalation delay, or at once when the plan has no tier-1 recipient left to acknowledge.
    public static func firstAttempt(
        tier: Int, recipientTiers: [Int], raisedAt: Date, escalateAfter: TimeInterval, now: Date
    ) -> Date {
        guard tier == 2, recipientTiers.contains(1) else { return now }
        return max(now, raisedAt.addingTimeInterval(escalateAfter))
    }
}
