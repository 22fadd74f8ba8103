import Foundation

/// A plan's open incidents: one that shows on the user's node (a missed check-in, panic) and one that does
/// not (duress, repeated wrong PINs). An incident opens with its first alert; while it is open, another
/// alert of the same kind (Help pressed again, a second duress check-in) joins it as an update, so that
/// contacts see one alert that grows, not one alert per press (docs/ARCHITECTURE.md, "One incident, many
/// updates"). A check-in or an end closes the visible incident whichever PIN was typed, since what the
/// user's node shows must not depend on it; only the real PIN closes the silent one.
///
/// Kept apart from `CheckInState`, which must be the same after the real and the duress PIN: under duress
/// the silent incident stays open while the state says "checked in".
public struct OpenIncidents: Codable, Equatable, Sendable {
    public var visible: Bool
    public var silent: Bool

    public init(visible: Bool = false, silent: Bool = false) {
        self.visible = visible
        self.silent = silent
    }

    public subscript(silent isSilent: Bool) -> Bool {
        get { isSilent ? silent : visible }
        set {
            if isSilent { silent = newValue } else { visible = newValue }
        }
    }
}

/// What an alert of the machine becomes once the open incidents are known.
public enum AlertIntent: Equatable, Sendable {
    /// A new incident: a new alert, with its own id, for the contacts.
    case open(AlertDraft)
    /// The same incident again: the open alert of its kind is updated and sent again under its id.
    case update(AlertDraft)

    public var draft: AlertDraft {
        switch self {
        case let .open(draft), let .update(draft): draft
        }
    }
}

public enum IncidentPolicy {
    /// Walks one transition's effects in order: a check-in or an end closes the visible incident, and with
    /// the real PIN the silent one too (never under duress, whose check-in only looks real); each alert opens
    /// its kind's incident or joins it. Returns the incidents after the transition and one intent per alert,
    /// in order.
    public static func apply(_ effects: [CheckInEffect], open: OpenIncidents) -> (open: OpenIncidents, alerts: [AlertIntent]) {
        let duress = effects.contains { effect in
            if case let .raiseAlert(draft) = effect { draft.reason == .duress } else { false }
        }
        var open = open
        var alerts: [AlertIntent] = []
        for effect in effects {
            switch effect {
            case let .record(entry):
                if closesIncidents(entry) {
                    open.visible = false
                    if !duress { open.silent = false }
                }
            case let .raiseAlert(draft):
                alerts.append(open[silent: draft.silent] ? .update(draft) : .open(draft))
                open[silent: draft.silent] = true
            case .remind:
                break
            }
        }
        return (open, alerts)
    }

    /// What an incident is called after another alert joins it: the graver of the two reasons, so that a
    /// duress check-in after wrong PINs reads `duress`, and Help after a missed check-in reads `panic`.
    public static func reason(of incident: AlertReason, joinedBy alert: AlertReason) -> AlertReason {
        gravity(alert) > gravity(incident) ? alert : incident
    }

    private static func gravity(_ reason: AlertReason) -> Int {
        switch reason {
        case .missed: 0
        case .pinFailures: 1
        case .panic: 2
        case .duress: 3
        }
    }

    private static func closesIncidents(_ entry: HistoryEntry) -> Bool {
        switch entry {
        case .checkIn, .checkInAfterAlert, .done, .resolved: true
        case .started, .deadlinePassed, .extended, .wrongPIN, .location, .region: false
        }
    }
}
