import Foundation

/// Where a plan stands. Stored as columns; everything else ("in grace for 40 s") is derived from it and now.
public enum Phase: String, Codable, Sendable, CaseIterable {
    /// Armed, before its start.
    case scheduled
    /// Started; the next check-in is due at `deadline`.
    case active
    /// `deadline` has passed; the grace period runs until `deadline + grace`.
    case grace
    /// An alert went out (a missed deadline or panic); the plan stays alerted until a PIN check-in (which
    /// puts it back to active, watched again) or `done`.
    case alerted
    /// Ended by the user.
    case done
    /// Past its retention period after `done`; next to be purged.
    case expired

    public var isEnded: Bool {
        switch self {
        case .done, .expired: true
        case .scheduled, .active, .grace, .alerted: false
        }
    }
}

/// The check-in machine's state for one plan.
public struct CheckInState: Codable, Equatable, Sendable {
    public var phase: Phase
    public var schedule: Schedule
    /// The deadline being watched: the next one (`active`), the one passed (`grace`), the one missed
    /// (`alerted` after a miss). Nil before the start and after the end.
    public var deadline: Date?
    /// The deadline whose reminder has gone out, so that each deadline gets one.
    public var remindedFor: Date?
    public var lastCheckIn: Date?
    /// Wrong PINs in a row on this plan.
    public var pinFailures: Int
    /// When `done` came, for retention.
    public var endedAt: Date?
    /// Ended with `done` after an alert.
    public var resolved: Bool

    /// A freshly armed plan.
    public init(schedule: Schedule) {
        phase = .scheduled
        self.schedule = schedule
        deadline = nil
        remindedFor = nil
        lastCheckIn = nil
        pinFailures = 0
        endedAt = nil
        resolved = false
    }

    /// When the check-in is due next, as shown to the user: the watched deadline while one runs.
    public var nextDeadline: Date? {
        switch phase {
        case .active, .grace: deadline
        case .scheduled: schedule.deadline(after: schedule.start)
        case .alerted, .done, .expired: nil
        }
    }

    /// When this deadline's reminder is due; nil once sent, or when it would come before the check-in
    /// that set the deadline (an interval shorter than the lead needs no reminder).
    public var reminderAt: Date? {
        guard phase == .active, let deadline, remindedFor != deadline else { return nil }
        let reminder = deadline.addingTimeInterval(-TimeInterval(schedule.reminderLead))
        return reminder > (lastCheckIn ?? schedule.start) ? reminder : nil
    }
}
