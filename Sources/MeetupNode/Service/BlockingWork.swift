import Dispatch
import MeetupControl
import Synchronization

/// Runs blocking work (SQLite through GRDB, Argon2id) on Dispatch's threads, so that it never holds one of
/// Swift's cooperative threads (one per core: two on a small server). The awaiting task suspends; the
/// scheduler, the courier and the control API keep running while a PIN is hashed or a transaction waits
/// for its fsync.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try body() }) }
    }
}

/// Admits at most `concurrent` PIN checks at once (each hashes twice with Argon2id: 2 × 64 MiB and most of a
/// core for a fraction of a second), and lets at most `waiting` more wait their turn; past that a check is
/// refused at once as busy, so that a flood of PIN posts from the public page costs bounded memory and CPU.
final class PINCheckGate: Sendable {
    struct Busy: Error {}

    let concurrent: Int
    let waiting: Int
    private struct State {
        var running = 0
        var queue: [CheckedContinuation<Bool, Never>] = []
    }

    private let state = Mutex(State())

    init(concurrent: Int, waiting: Int) {
        self.concurrent = concurrent
        self.waiting = waiting
    }

    /// Checks running and waiting now, for tests.
    var load: (running: Int, waiting: Int) { state.withLock { ($0.running, $0.queue.count) } }

    /// Runs `body` off the cooperative pool once a place is free; throws `Busy` when too many wait already.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await enter()
        defer { leave() }
        return try await offPool(body)
    }

    private func enter() async throws {
        enum Admission { case now, wait, busy }
        let admission = state.withLock { state -> Admission in
            if state.running < concurrent {
                state.running += 1
                return .now
            }
            return state.queue.count < waiting ? .wait : .busy
        }
        switch admission {
        case .now: return
        case .busy: throw Busy()
        case .wait:
            let admitted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                enum Second { case now, queued, busy }
                let second = state.withLock { state -> Second in
                    // A place may have come free, or the queue filled, between the two locks.
                    if state.running < concurrent {
                        state.running += 1
                        return .now
                    }
                    guard state.queue.count < waiting else { return .busy }
                    state.queue.append(continuation)
                    return .queued
                }
                switch second {
                case .now: continuation.resume(returning: true)
                case .busy: continuation.resume(returning: false)
                case .queued: break
                }
            }
            if !admitted { throw Busy() }
        }
    }

    /// Hands the place to the first waiter, or frees it.
    private func leave() {
        let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            if state.queue.isEmpty {
                state.running -= 1
                return nil
            }
            return state.queue.removeFirst()
        }
        next?.resume(returning: true)
    }
}

extension PINCheckGate {
    /// Runs a control command that checks a PIN through the gate, off the cooperative pool; a full gate is
    /// refused as `busy`, before any PIN is checked.
    func checking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await run(body)
        } catch is PINCheckGate.Busy {
            throw ControlError.busy
        }
    }
}
