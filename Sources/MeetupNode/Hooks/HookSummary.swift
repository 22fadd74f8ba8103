import Foundation
import MeetupControl

/// What a hook tells; the raw value is the job row's `event` and the payload's.
enum HookEvent: String, Sendable, CaseIterable {
    /// A contact's alert arrived.
    case alert
    /// An alert already told was updated (Help pressed again).
    case update
    /// The user whose alert it was ended the plan.
    case resolved
    /// The user checked in after the alert.
    case checkedIn = "checked-in"
    /// To this node's user: a deadline comes soon.
    case reminder
    /// To this node's user: a deadline passed; the alarm follows at the end of grace.
    case overdue

    /// Whether the event warns this node's own user (the reminder hooks), rather than telling of a contact's
    /// alert (the alert hooks).
    var warnsTheUser: Bool {
        switch self {
        case .reminder, .overdue: true
        case .alert, .update, .resolved, .checkedIn: false
        }
    }
}

/// A queued run of one hook.
struct HookJob: Sendable {
    /// What the job is about: a received alert, or a deadline of one of this node's plans.
    enum Subject: Sendable, Equatable {
        case receivedAlert(String)
        case plan(String, deadline: Date)
    }

    var id: Int64
    var subject: Subject
    var hook: HookKind
    var event: HookEvent
    var attempts: Int
}

/// What a hook is given: the JSON for a command or a webhook, and the line, title, priority and tag an
/// ntfy notification shows.
struct HookMessage: Sendable, Equatable {
    var json: Data
    var text: String
    var title: String
    var priority: String
    var tag: String
}

/// What a contact's hook receives: ids, who and why, and a one-line `text` for chat webhooks; the match, the
/// place, the map link of the last known position and the match's phone only with `--hook-details`.
struct HookSummary: Encodable, Sendable {
    var event: String
    var id: String
    var plan: String
    var from: String
    var reason: String
    var receivedAt: Date
    var at: Date?
    var text = ""
    var match: String?
    var place: String?
    var mapLink: String?
    var phone: String?

    enum CodingKeys: String, CodingKey {
        case event, id, plan, from, reason, match, place, phone, text, at
        case receivedAt = "received_at"
        case mapLink = "map_link"
    }

    init(_ alert: ReceivedAlert, event: HookEvent, details: Bool) {
        self.event = event.rawValue
        id = alert.id
        plan = alert.plan
        from = alert.from
        reason = alert.reason
        receivedAt = alert.receivedAt
        // When what is told happened: the alert's arrival or update, the end, the check-in after it.
        at = switch event {
        case .alert: alert.receivedAt
        case .update: alert.updatedAt
        case .resolved: alert.resolvedAt
        case .checkedIn: alert.checkedInAt
        case .reminder, .overdue: nil
        }
        if details {
            match = alert.match.pseudonym
            place = alert.place
            mapLink = alert.mapLink
            phone = alert.match.phone
        }
        text = Self.line(event: event, from: from, reason: reason, id: id, match: match, place: place)
    }

    var message: HookMessage {
        let calm = event == HookEvent.resolved.rawValue || event == HookEvent.checkedIn.rawValue
        return HookMessage(
            json: (try? ControlJSON.encoder().encode(self)) ?? Data(), text: text,
            title: calm ? "meetup: stand down" : "meetup alert", priority: calm ? "default" : "urgent",
            tag: calm ? "white_check_mark" : "rotating_light")
    }

    /// One line a lock screen or a chat can show.
    static func line(event: HookEvent, from: String, reason: String, id: String, match: String?, place: String?) -> String {
        var line = switch event {
        case .alert, .reminder, .overdue: "meetup alert from \(from): \(reason) (alert \(id))"
        case .update: "meetup alert from \(from) (updated): \(reason) (alert \(id))"
        case .resolved: "meetup: \(from) ended the plan after the \(reason) alert: safe (alert \(id))"
        case .checkedIn: "meetup: \(from) checked in after the \(reason) alert (alert \(id))"
        }
        if let match, let place { line += " — meeting \(match) at \(place)" }
        return line
    }
}

struct HookFailure: Error, CustomStringConvertible {
    let description: String
}
