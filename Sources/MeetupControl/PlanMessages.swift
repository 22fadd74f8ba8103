import CheckInCore
import Foundation

/// `PUT /v1/pin`: the PIN and the duress PIN; `current_pin` when PINs are already set.
public struct PINSetRequest: Codable, Sendable {
    public var pin: String
    public var duressPIN: String
    public var currentPIN: String?

    enum CodingKeys: String, CodingKey {
        case pin
        case duressPIN = "duress_pin"
        case currentPIN = "current_pin"
    }

    public init(pin: String, duressPIN: String, currentPIN: String?) {
        self.pin = pin
        self.duressPIN = duressPIN
        self.currentPIN = currentPIN
    }
}

/// `POST /v1/plans`: what `meetupctl arm` was given, as typed (see `PlanInput`).
public typealias ArmRequest = PlanInput

/// A PIN-protected command: check-in, done.
public struct PINRequest: Codable, Sendable {
    public var pin: String

    public init(pin: String) {
        self.pin = pin
    }
}

/// `POST /v1/plans/{id}/extend`: `by` a duration or `until` an instant.
public struct ExtendRequest: Codable, Sendable {
    public var pin: String
    public var by: String?
    public var until: String?

    public init(pin: String, by: String?, until: String?) {
        self.pin = pin
        self.by = by
        self.until = until
    }
}

/// `POST /v1/plans/{id}/locations`: `LAT,LON` as typed, and an accuracy in metres.
public struct LocationRequest: Codable, Sendable {
    public var geo: String
    public var accuracy: Double?

    public init(geo: String, accuracy: Double?) {
        self.geo = geo
        self.accuracy = accuracy
    }
}

/// One plan as `status` shows it: ids, states and times, and the place's name and position so that the user
/// can tell plans apart and check what `arm` took; never the match's details.
public struct PlanStatus: Codable, Sendable, Equatable {
    public var plan: String
    public var phase: Phase
    public var start: Date
    public var nextDeadline: Date?
    public var reminderAt: Date?
    public var until: Date
    public var everySeconds: Int
    public var graceSeconds: Int
    public var lastCheckIn: Date?
    public var resolved: Bool
    public var alerts: [AlertSummary]
    /// The contacts its alerts go to.
    public var contacts: [String]
    /// Each guardian of the plan, and whether it holds the plan's latest replica.
    public var guardians: [GuardianSummary]
    /// Where the user meets the match, as armed.
    public var place: String?
    public var geo: Coordinate?
    /// What `arm` found worth a second look (a position far from the last known one); only in its answer.
    public var warnings: [String]?

    enum CodingKeys: String, CodingKey {
        case plan, phase, start, until, resolved, alerts, contacts, guardians, place, geo, warnings
        /// The old name of `phase`, written and read for one more version (docs/PROTOCOL.md, "Control API").
        case state
        case nextDeadline = "next_deadline"
        case reminderAt = "reminder_at"
        case everySeconds = "every_seconds"
        case graceSeconds = "grace_seconds"
        case lastCheckIn = "last_check_in"
    }

    public init(
        plan: String, phase: Phase, start: Date, nextDeadline: Date?, reminderAt: Date?, until: Date,
        everySeconds: Int, graceSeconds: Int, lastCheckIn: Date?, resolved: Bool, alerts: [AlertSummary],
        contacts: [String], guardians: [GuardianSummary], place: String? = nil, geo: Coordinate? = nil
    ) {
        self.plan = plan
        self.phase = phase
        self.start = start
        self.nextDeadline = nextDeadline
        self.reminderAt = reminderAt
        self.until = until
        self.everySeconds = everySeconds
        self.graceSeconds = graceSeconds
        self.lastCheckIn = lastCheckIn
        self.resolved = resolved
        self.alerts = alerts
        self.contacts = contacts
        self.guardians = guardians
        self.place = place
        self.geo = geo
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        plan = try container.decode(String.self, forKey: .plan)
        phase = try container.decodeIfPresent(Phase.self, forKey: .phase) ?? container.decode(Phase.self, forKey: .state)
        start = try container.decode(Date.self, forKey: .start)
        nextDeadline = try container.decodeIfPresent(Date.self, forKey: .nextDeadline)
        reminderAt = try container.decodeIfPresent(Date.self, forKey: .reminderAt)
        until = try container.decode(Date.self, forKey: .until)
        everySeconds = try container.decode(Int.self, forKey: .everySeconds)
        graceSeconds = try container.decode(Int.self, forKey: .graceSeconds)
        lastCheckIn = try container.decodeIfPresent(Date.self, forKey: .lastCheckIn)
        resolved = try container.decode(Bool.self, forKey: .resolved)
        alerts = try container.decode([AlertSummary].self, forKey: .alerts)
        contacts = try container.decode([String].self, forKey: .contacts)
        guardians = try container.decode([GuardianSummary].self, forKey: .guardians)
        place = try container.decodeIfPresent(String.self, forKey: .place)
        geo = try container.decodeIfPresent(Coordinate.self, forKey: .geo)
        warnings = try container.decodeIfPresent([String].self, forKey: .warnings)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(plan, forKey: .plan)
        try container.encode(phase, forKey: .phase)
        try container.encode(phase, forKey: .state)
        try container.encode(start, forKey: .start)
        try container.encodeIfPresent(nextDeadline, forKey: .nextDeadline)
        try container.encodeIfPresent(reminderAt, forKey: .reminderAt)
        try container.encode(until, forKey: .until)
        try container.encode(everySeconds, forKey: .everySeconds)
        try container.encode(graceSeconds, forKey: .graceSeconds)
        try container.encodeIfPresent(lastCheckIn, forKey: .lastCheckIn)
        try container.encode(resolved, forKey: .resolved)
        try container.encode(alerts, forKey: .alerts)
        try container.encode(contacts, forKey: .contacts)
        try container.encode(guardians, forKey: .guardians)
        try container.encodeIfPresent(place, forKey: .place)
        try container.encodeIfPresent(geo, forKey: .geo)
        try container.encodeIfPresent(warnings, forKey: .warnings)
    }
}

/// A guardian of a plan: `confirmed` when it signed a receipt for the plan's latest replica, `pending`
/// while that replica waits in the outbox, else the outbox state (`failed`, `expired`).
public struct GuardianSummary: Codable, Sendable, Equatable {
    /// Whether the guardian holds the plan's latest replica (docs/GLOSSARY.md, "confirmed").
    public enum State: String, Codable, Sendable {
        /// Its signed receipt came back: it holds the replica and watches the plan.
        case confirmed
        /// The replica is queued, or being retried.
        case pending
        /// Every attempt failed, or the replica expired before any reached the guardian.
        case failed
        case expired
        /// No replica was queued to it (the plan ended before one was).
        case notSent = "none"
    }

    public var contact: String
    public var state: State
    public var confirmedAt: Date?

    enum CodingKeys: String, CodingKey {
        case contact, state
        case confirmedAt = "confirmed_at"
    }

    public init(contact: String, state: State, confirmedAt: Date?) {
        self.contact = contact
        self.state = state
        self.confirmedAt = confirmedAt
    }
}

/// An alert as the user's node lists it, with each contact's copy and who acknowledged it.
public struct AlertSummary: Codable, Sendable, Equatable {
    public var id: String
    public var reason: String
    public var raisedAt: Date
    public var late: Bool
    public var deliveries: [DeliverySummary]
    /// Names of the contacts who acknowledged it.
    public var acks: [String]

    enum CodingKeys: String, CodingKey {
        case id, reason, late, deliveries, acks
        case raisedAt = "raised_at"
    }

    public init(id: String, reason: String, raisedAt: Date, late: Bool, deliveries: [DeliverySummary], acks: [String]) {
        self.id = id
        self.reason = reason
        self.raisedAt = raisedAt
        self.late = late
        self.deliveries = deliveries
        self.acks = acks
    }
}

/// One contact's copy of an alert: `queued` (with `escalates_at` for a tier-2 contact waiting on tier 1),
/// `delivered`, `acked`, or `failed`, `expired`, `cancelled`.
public struct DeliverySummary: Codable, Sendable, Equatable {
    public var contact: String
    public var state: String
    public var tier: Int
    public var queuedAt: Date
    public var escalatesAt: Date?
    public var deliveredAt: Date?
    public var ackedAt: Date?
    public var attempts: Int

    enum CodingKeys: String, CodingKey {
        case contact, state, tier, attempts
        case queuedAt = "queued_at"
        case escalatesAt = "escalates_at"
        case deliveredAt = "delivered_at"
        case ackedAt = "acked_at"
    }

    public init(
        contact: String, state: String, tier: Int, queuedAt: Date, escalatesAt: Date?, deliveredAt: Date?,
        ackedAt: Date?, attempts: Int
    ) {
        self.contact = contact
        self.state = state
        self.tier = tier
        self.queuedAt = queuedAt
        self.escalatesAt = escalatesAt
        self.deliveredAt = deliveredAt
        self.ackedAt = ackedAt
        self.attempts = attempts
    }
}

/// `GET /v1/plans`: every plan that has not expired, newest first.
public struct PlanList: Codable, Sendable, Equatable {
    public var plans: [PlanStatus]

    public init(plans: [PlanStatus]) {
        self.plans = plans
    }
}

/// One line of `meetupctl log`: a time and a kind, never details.
public struct LogEntry: Codable, Sendable, Equatable {
    public var at: Date
    public var kind: String

    public init(at: Date, kind: String) {
        self.at = at
        self.kind = kind
    }
}

public struct PlanLog: Codable, Sendable, Equatable {
    public var plan: String
    public var events: [LogEntry]

    public init(plan: String, events: [LogEntry]) {
        self.plan = plan
        self.events = events
    }
}

/// An answer with nothing to say but that it worked.
public struct Done: Codable, Sendable, Equatable {
    public var ok: Bool

    public init() {
        ok = true
    }
}

extension PlanStatus {
    /// The id that names the one running plan in control paths (`/v1/plans/current/checkins`).
    public static let currentID = "current"
}
