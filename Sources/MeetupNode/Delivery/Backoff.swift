import Foundation
import MeetupCrypto

/// Exponential backoff with jitter (docs/PROTOCOL.md, "Delivery and retries"): the delay before attempt
/// n+1 is min(cap, base × 2ⁿ) times a random factor in [0.5, 1].
struct Backoff: Sendable {
    var base: TimeInterval = 0.25
    var cap: TimeInterval

    /// Alerts: a contact that comes back online gets the alert within seconds.
    static let alert = Backoff(cap: 5)
    /// Acks, resolutions and hooks: a minute late costs nothing, and long-offline peers are polled less.
    static let other = Backoff(cap: 60)

    func ceiling(afterAttempts attempts: Int) -> TimeInterval {
        min(cap, base * pow(2, Double(min(attempts, 30))))
    }

    func delay(afterAttempts attempts: Int) -> TimeInterval {
        let jitter = 0.5 + Double(SecureRandom.uniform(below: 1_001)) / 2_000
        return ceiling(afterAttempts: attempts) * jitter
    }
}
