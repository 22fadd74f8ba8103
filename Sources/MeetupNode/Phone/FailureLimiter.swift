import Foundation
import Synchronization

/// Counts failures per key (a caller's address, a plan) in fixed windows: after `limit` failures in one
/// window, the key is refused until the window ends. In memory: a restart forgets, which only ever
/// gives an attacker one more window.
final class FailureLimiter: Sendable {
    let limit: Int
    let window: TimeInterval
    private let entries = Mutex<[String: (count: Int, since: Date)]>([:])
    /// Past this many keys, ended windows are dropped, so a flood of addresses cannot grow it for ever.
    private static let pruneAbove = 4_096

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Seconds until `key` may try again; nil when it may now.
    func retryAfter(_ key: String, now: Date) -> TimeInterval? {
        entries.withLock { entries in
            guard let entry = entries[key], entry.count >= limit else { return nil }
            let left = window - now.timeIntervalSince(entry.since)
            return left > 0 ? left : nil
        }
    }

    /// One attempt, counted before it is made, in one step with the check: nil when it may go ahead, else
    /// the seconds until `key` may try again. Parallel attempts cannot all pass the check before any is
    /// counted; `succeed` clears the count.
    func attempt(_ key: String, now: Date) -> TimeInterval? {
        entries.withLock { entries in
            if let entry = entries[key], now.timeIntervalSince(entry.since) < window {
                guard entry.count < limit else { return window - now.timeIntervalSince(entry.since) }
                entries[key] = (entry.count + 1, entry.since)
            } else {
                if entries.count > Self.pruneAbove {
                    entries = entries.filter { now.timeIntervalSince($0.value.since) < window }
                }
                entries[key] = (1, now)
            }
            return nil
        }
    }

    func fail(_ key: String, now: Date) {
        entries.withLock { entries in
            if entries.count > Self.pruneAbove {
                entries = entries.filter { now.timeIntervalSince($0.value.since) < window }
            }
            if let entry = entries[key], now.timeIntervalSince(entry.since) < window {
                entries[key] = (entry.count + 1, entry.since)
            } else {
                entries[key] = (1, now)
            }
        }
    }

    func succeed(_ key: String) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }
}
