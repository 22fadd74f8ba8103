import Foundation
import Synchronization

/// The owners' long polls waiting at this host, one wake-up per mailbox: a deposit wakes the fetches
/// waiting on its mailbox at once. At most `limit` wait together (each holds a connection); past that a
/// fetch is answered at once, and its owner asks again later. Closed at shutdown, so that no long poll
/// holds the node's exit.
final class MailboxWaiters: Sendable {
    private struct State {
        var wakeups: [Int64: (wakeup: SchedulerWakeup, waiting: Int)] = [:]
        var waiting = 0
        var closed = false
    }

    let limit: Int
    static let perMailbox = 2
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// Runs `body` with the wake-up of `mailbox`, registered before `body` looks at the mailbox, so that a
    /// deposit made while it looks is not missed (the wake-up keeps the nudge for its next wait); nil when too
    /// many wait already or the node is stopping: `body` then answers at once.
    func holding<T>(_ mailbox: Int64, _ body: (SchedulerWakeup?) async throws -> T) async rethrows -> T {
        let wakeup = state.withLock { state -> SchedulerWakeup? in
            let entry = state.wakeups[mailbox] ?? (SchedulerWakeup(), 0)
            // One owner cannot take every slot: two fetches of one mailbox wait at most.
            guard !state.closed, state.waiting < limit, entry.waiting < Self.perMailbox else { return nil }
            state.waiting += 1
            state.wakeups[mailbox] = (entry.wakeup, entry.waiting + 1)
            return entry.wakeup
        }
        defer {
            if let wakeup {
                state.withLock { state in
                    state.waiting -= 1
                    // A mailbox nobody waits on keeps no wake-up: one kept would carry a stale nudge to the next fetch.
                    let left = (state.wakeups[mailbox]?.waiting ?? 1) - 1
                    state.wakeups[mailbox] = left > 0 ? (wakeup, left) : nil
                }
            }
        }
        return try await body(wakeup)
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Something was deposited in `mailbox`.
    func signal(_ mailbox: Int64) {
        state.withLock { $0.wakeups[mailbox]?.wakeup }?.nudge()
    }

    /// The node is stopping: every waiting fetch is answered now.
    func close() {
        let wakeups = state.withLock { state in
            state.closed = true
            return state.wakeups.values.map(\.wakeup)
        }
        for wakeup in wakeups { wakeup.nudge() }
    }

    /// Fetches waiting now, for status and tests.
    var waiting: Int { state.withLock { $0.waiting } }
}
