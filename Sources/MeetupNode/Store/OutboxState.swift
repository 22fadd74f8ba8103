import GRDB
import MeetupControl

/// Where an outbox row stands; the raw value is its `state` column, which the schema checks.
enum OutboxState: String, DatabaseValueConvertible {
    case queued
    /// A signed receipt came back (or, for an alert, an ack).
    case delivered
    /// Every attempt failed.
    case failed
    /// Its time to live ran out before a receipt came back.
    case expired
    /// No longer to be sent: superseded, or a tier-2 copy a tier-1 ack made unnecessary.
    case cancelled

    /// What a guardian's replica in this state means for the plan: a receipt is the guardian's confirmation.
    var guardianState: GuardianSummary.State {
        switch self {
        case .queued: .pending
        case .delivered: .confirmed
        case .failed: .failed
        case .expired: .expired
        // Not shown: a cancelled replica was superseded by a newer one.
        case .cancelled: .pending
        }
    }
}
