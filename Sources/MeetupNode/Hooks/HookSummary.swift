import Foundation
import MeetupControl

/// What a hook tells: a new alert, or an update of one it already told (Help pressed again).
enum HookEvent: String, Sendable {
    case alert
    case update
}

/// A queued run of one hook for one received alert.
struct HookJob: Sendable {
    var id: Int64
    var alertID: String
    var hook: HookKind
    var event: HookEvent
    var attempts: Int
}

/// What a hook receives: ids, who and why; the match, place and map link only with `--hook-details`.
struct HookSummary: Encodable, Sendable {
    var event: String
    var id: String
    var plan: String
    var from: String
    var reason: String
    var receivedAt: Date
    var match: String?
    var place: String?
    var mapLink: String?

    enum CodingKeys: String, CodingKey {
        case event, id, plan, from, reason, match, place
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
        if details {
            match = alert.match.pseudonym
            place = alert.place
            mapLink = alert.mapLink
        }
    }

    func json() -> Data {
        (try? ControlJSON.encoder().encode(self)) ?? Data()
    }

    /// ntfy's message: one line a lock screen can show.
    var text: String {
        let update = event == HookEvent.update.rawValue ? " (updated)" : ""
        var line = "meetup alert from \(from)\(update): \(reason) (alert \(id))"
        if let match, let place { line += " — meeting \(match) at \(place)" }
        return line
    }
}

struct HookFailure: Error, CustomStringConvertible {
    let description: String
}
