import Foundation
import Synchronization

/// Wakes a loop early when its next instant may have moved (a plan armed, checked in, extended; a notice
/// committed), so that it never sleeps past work it has not seen yet.
///
/// A nudge while the loop is waiting wakes that wait; a nudge while nobody waits is kept (once) and wakes
/// the next wait at once. Any number of timeouts and nudges leaves the primitive as it was: an earlier
/// version iterated an `AsyncStream` in a child task, and cancelling that iteration finished the stream,
/// so after the first timeout every wait returned at once and every idle node spun.
final class SchedulerWakeup: Sendable {
    private enum Slot {
        /// A wait that has not registered its continuation yet.
        case allocated
        case waiting(CheckedContinuation<Void, Never>)
        /// Cancelled before it registered: it returns as soon as it does.
        case cancelled
    }

    private struct State {
        var pending = false
        var nextID: UInt64 = 0
        var slots: [UInt64: Slot] = [:]
    }

    private let state = Mutex(State())

    init() {}

    func nudge() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var woken: [CheckedContinuation<Void, Never>] = []
            for (id, slot) in state.slots {
                if case let .waiting(continuation) = slot {
                    woken.append(continuation)
                    state.slots[id] = nil
                }
            }
            if woken.isEmpty { state.pending = true }
            return woken
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns at `deadline` (never, when nil), at a nudge, or when the task is cancelled.
    func wait(until deadline: Date?, clock: any WallClock) async {
        if state.withLock({ state in
            defer { state.pending = false }
            return state.pending
        }) { return }
        await withTaskGroup(of: Void.self) { group in
            if let deadline {
                group.addTask { try? await clock.sleep(until: deadline) }
            }
            group.addTask { await self.nextNudge() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns at the next nudge, or when the task is cancelled.
    private func nextNudge() async {
        let id = state.withLock { state in
            let id = state.nextID
            state.nextID &+= 1
            state.slots[id] = .allocated
            return id
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if case .cancelled = state.slots[id] {
                        state.slots[id] = nil
                        return true
                    }
                    if state.pending {
                        state.pending = false
                        state.slots[id] = nil
                        return true
                    }
                    state.slots[id] = .waiting(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                switch state.slots[id] {
                case let .waiting(continuation):
                    state.slots[id] = nil
                    return continuation
                case .allocated:
                    state.slots[id] = .cancelled
                    return nil
                case .cancelled, nil:
                    return nil
                }
            }
            waiter?.resume()
        }
    }

    /// Waits not yet returned, for tests: none once every wait has returned.
    var openWaits: Int { state.withLock { $0.slots.count } }
}
