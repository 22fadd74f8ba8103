import Foundation

/// One check-in plan as armed by the user: who, where, when, and whom to alert.
public struct Plan: Codable, Equatable, Sendable {
    public var id: String
    public var match: MatchDetails
    public var place: Place
    public var schedule: Schedule
    /// Contact names to alert; empty means all of them.
    public var contacts: [String]
    /// Seconds tier-1 contacts have to acknowledge an alert before tier-2 contacts receive it.
    public var escalateAfter: Int
    public var createdAt: Date

    public static let defaultEscalateAfter = 300

    public init(
        id: String, match: MatchDetails, place: Place, schedule: Schedule, contacts: [String],
        escalateAfter: Int = defaultEscalateAfter, createdAt: Date
    ) {
        self.id = id
        self.match = match
        self.place = place
        self.schedule = schedule
        self.contacts = contacts
        self.escalateAfter = escalateAfter
        self.createdAt = createdAt
    }
}
