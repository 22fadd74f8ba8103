import Foundation

/// What the node must do after a transition. Values only: the core never performs them. The node commits
/// the new state and these effects in one transaction, then acts.
public enum CheckInEffect: Equatable, Sendable {
    case raiseAlert(AlertDraft)
    case remind(deadline: Date)
    case record(HistoryEntry)
}

/// Why an alert was raised.
public enum AlertReason: String, Codable, Sendable, CaseIterable {
    case missed
    case duress
    case panic
    case pinFailures = "pin-failures"
}

/// An alert as the machine decides it; the node gives it an id and its payload.
public struct AlertDraft: Equatable, Sendable {
    public var reason: AlertReason
    /// The instant the alert belongs to: `deadline + grace` for a miss, the command's time otherwise.
    public var raisedAt: Date
    /// The deadline that was missed, for `missed`.
    public var deadline: Date?
    /// Silent alerts (duress, PIN failures) go to contacts but leave no trace on the user's own node, so
    /// that whoever holds the device cannot tell.
    public var silent: Bool

    public init(reason: AlertReason, raisedAt: Date, deadline: Date? = nil, silent: Bool) {
        self.reason = reason
        self.raisedAt = raisedAt
        self.deadline = deadline
        self.silent = silent
    }
}

/// One line of a plan's history, as `meetupctl log` shows it and contacts read it in an alert.
public enum HistoryEntry: Equatable, Sendable {
    case started
    case checkIn
    case checkInAfterAlert
    case deadlinePassed(Date)
    case extended(until: Date)
    case done
    case resolved
    case wrongPIN
    case location(LocationFix)
    case region(RegionTransition)

    /// The kind of a `location` line, and the prefix of a `region` line's (`region-enter`, `region-leave`).
    public static let locationKind = "location"
    public static let regionKindPrefix = "region-"

    /// The kind as written in the log and in JSON.
    public var kind: String {
        switch self {
        case .started: "started"
        case .checkIn: "check-in"
        case .checkInAfterAlert: "check-in-after-alert"
        case .deadlinePassed: "deadline-passed"
        case .extended: "extended"
        case .done: "done"
        case .resolved: "resolved"
        case .wrongPIN: "wrong-pin"
        case .location: Self.locationKind
        case let .region(transition): Self.regionKindPrefix + transition.direction.rawValue
        }
    }

    /// When the line happened: the phone's own time for a location or region report, which may arrive
    /// late or out of order; nil for the others, which happen when the node records them.
    public var reportedAt: Date? {
        switch self {
        case let .location(fix): fix.at
        case let .region(transition): transition.fix.at
        case .started, .checkIn, .checkInAfterAlert, .deadlinePassed, .extended, .done, .resolved, .wrongPIN: nil
        }
    }
}

/// Why a user command was refused. What the user sees; identical for the real and the duress PIN.
public enum CheckInRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    case notStarted(start: Date)
    case ended
    case wrongPIN
    case untilNotInFuture

    public var description: String {
        switch self {
        case .notStarted: "the plan has not started yet"
        case .ended: "the plan has ended"
        case .wrongPIN: "wrong PIN"
        case .untilNotInFuture: "the new end must be in the future and after the start"
        }
    }
}
