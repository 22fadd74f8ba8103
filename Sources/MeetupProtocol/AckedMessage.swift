import Foundation

/// Type 5: another contact of the user acknowledged the alert, named as the user's node knows them, so that
/// the contacts can coordinate ("Carol is on it").
public struct AckedMessage: Codable, Equatable, Sendable {
    public var alert: String
    public var plan: String
    public var by: String
    public var ackedAt: Date
    /// The user's Ed25519 key (hex), when a guardian that raised the alarm relays it.
    public var user: String?

    public init(alert: String, plan: String, by: String, ackedAt: Date, user: String? = nil) {
        self.alert = alert
        self.plan = plan
        self.by = by
        self.ackedAt = ackedAt
        self.user = user
    }
}
