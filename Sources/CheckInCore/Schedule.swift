import Foundation

/// When check-ins are due. All instants are absolute (UTC); intervals are whole seconds.
///
/// The schedule rolls: a check-in at `t` moves the next deadline to `t + every`, never past `until`; the
/// last deadline is `until` itself, so a plan not ended with `done` by `until + grace` raises an alert.
public struct Schedule: Codable, Equatable, Sendable {
    public var start: Date
    public var every: Int
    public var grace: Int
    public var until: Date

    public init(start: Date, every: Int, grace: Int, until: Date) throws(PlanError) {
        guard every >= 1 else { throw .durationTooShort(flag: "--every", seconds: every) }
        guard grace >= 1 else { throw .durationTooShort(flag: "--grace", seconds: grace) }
        guard until > start else { throw .untilNotAfterStart }
        self.start = start
        self.every = every
        self.grace = grace
        self.until = until
    }

    /// The deadline that a check-in at `instant` (or the start) sets.
    public func deadline(after instant: Date) -> Date {
        min(instant.addingTimeInterval(TimeInterval(every)), until)
    }

    /// How long before a deadline its reminder comes: a quarter of the interval, at least 5 s.
    public var reminderLead: Int { max(every / 4, 5) }

    public static let defaultEvery = 15 * 60
    public static let defaultGrace = 5 * 60
    public static let defaultLength = 3 * 3600
}
