import Foundation

/// What a contact reads in an alert: who, where, the last known location and trail, the check-in
/// history and the times. Sealed at rest, and later sealed to each contact.
public struct AlertPayload: Codable, Equatable, Sendable {
    public var plan: String
    public var reason: AlertReason
    public var raisedAt: Date
    /// The missed deadline, for `missed`.
    public var deadline: Date?
    public var match: MatchDetails
    public var place: Place
    public var start: Date
    public var until: Date
    /// Oldest first, by the time each fix was taken (not when it arrived).
    public var trail: [LocationFix]
    public var checkIns: [Date]
    public var history: [HistoryLine]

    public var lastLocation: LocationFix? { trail.last }

    /// The trail an alert carries: the most recent points, enough to follow a route, small enough to send.
    public static let trailLimit = 50
    /// The most recent check-ins and history lines an alert carries: a long plan with frequent location
    /// reports must not grow an alert past what a contact's node accepts.
    public static let checkInLimit = 200
    public static let historyLimit = 500

    public init(
        plan: String, reason: AlertReason, raisedAt: Date, deadline: Date?, match: MatchDetails, place: Place,
        start: Date, until: Date, trail: [LocationFix], checkIns: [Date], history: [HistoryLine]
    ) {
        self.plan = plan
        self.reason = reason
        self.raisedAt = raisedAt
        self.deadline = deadline
        self.match = match
        self.place = place
        self.start = start
        self.until = until
        self.trail = trail
        self.checkIns = checkIns
        self.history = history
    }
}

/// A time and a kind: one line of a plan's history as contacts and `meetupctl log` see it.
public struct HistoryLine: Codable, Equatable, Sendable {
    public var at: Date
    public var kind: String
    /// What the line is about, when the kind alone does not say: the region's name for `region-enter`.
    public var note: String?

    public init(at: Date, kind: String, note: String? = nil) {
        self.at = at
        self.kind = kind
        self.note = note
    }
}

/// A line of a plan's history as the node keeps it, opened: what an alert's payload is built from.
public struct RecordedLine: Equatable, Sendable {
    public var at: Date
    public var kind: String
    /// The position, for a `location` line.
    public var fix: LocationFix?
    /// The region crossed, for a `region-enter` or `region-leave` line.
    public var region: RegionTransition?

    public init(at: Date, kind: String, fix: LocationFix? = nil, region: RegionTransition? = nil) {
        self.at = at
        self.kind = kind
        self.fix = fix
        self.region = region
    }
}

extension AlertPayload {
    /// What a contact reads about `draft`: the plan's details and its history so far, oldest first, cut to
    /// the most recent points and lines an alert carries.
    public init(
        plan: String, draft: AlertDraft, match: MatchDetails, place: Place, start: Date, until: Date, lines: [RecordedLine]
    ) {
        let checkInKinds: Set = [HistoryEntry.checkIn.kind, HistoryEntry.checkInAfterAlert.kind]
        self.init(
            plan: plan, reason: draft.reason, raisedAt: draft.raisedAt, deadline: draft.deadline, match: match, place: place,
            start: start, until: until,
            trail: Array(lines.compactMap(\.fix).suffix(Self.trailLimit)),
            checkIns: Array(lines.filter { checkInKinds.contains($0.kind) }.map(\.at).suffix(Self.checkInLimit)),
            history: Array(lines.map { HistoryLine(at: $0.at, kind: $0.kind, note: $0.region?.region) }.suffix(Self.historyLimit)))
    }
}
