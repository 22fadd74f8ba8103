import Foundation

/// A plan's open incidents: one that shows on the user's node (a missed check-in, panic) and one that does
/// not (duress, repeated wrong PINs). An incident opens with its first alert and stays open until the
/// user checks in with the real PIN or ends the plan; while it is open, another alert of the same kind
/// (Help pressed again, a second duress check-in) joins it as an update, so that contacts see one alert
/// that grows, not one alert per press (docs/ARCHITECTURE.md, "One incident, many updates").
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
    /// Walks one transition's effects in order: a check-in or an end with the real PIN closes both
    /// incidents (never under duress, whose check-in only looks real), and each alert opens its kind's
    /// incident or joins it. Returns the incidents after the transition and one intent per alert, in order.
    public static func apply(_ effects: [CheckInEffect], open: OpenIncidents) -> (open: OpenIncidents, alerts: [AlertIntent]) {
        let duress = effects.contains { effect in
            if case let .raiseAlert(draft) = effect { draft.reason == .duress } else { false }
        }
        var open = open
        var alerts: [AlertIntent] = []
        for effect in effects {
            switch effect {
            case let .record(entry):
                if !duress, closesIncidents(entry) { open = OpenIncidents() }
            case let .raiseAlert(draft):
                alerts.append(open[silent: draft.silent] ? .update(draft) : .open(draft))
                open[silent: draft.silent] = true
            case .remind:
                break
            }
        }
        return (open, alerts)
    }

    private static func closesIncidents(_ entry: HistoryEntry) -> Bool {
        switch entry {
        case .checkIn, .checkInAfterAlert, .done, .resolved: true
        case .started, .deadlinePassed, .extended, .wrongPIN, .location, .region: false
        }
    }
}
