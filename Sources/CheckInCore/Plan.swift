import Foundation

/// One check-in plan as armed by the user: who, where, when, and whom to alert.
public struct Plan: Codable, Equatable, Sendable {
    public var id: String
    public var match: MatchDetails
    public var place: Place
    public var schedule: Schedule
    /// Contact names to alert; empty means all of them.
    public var contacts: [String]
    public var createdAt: Date

    public init(id: String, match: MatchDetails, place: Place, schedule: Schedule, contacts: [String], createdAt: Date) {
        self.id = id
        self.match = match
        self.place = place
        self.schedule = schedule
        self.contacts = contacts
        self.createdAt = createdAt
    }
}
