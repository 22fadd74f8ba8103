import Foundation

/// Wakes the scheduler early when a plan's next timer may have moved (a plan armed, checked in,
/// extended), so that it never sleeps past a deadline it has not seen yet.
final class SchedulerWakeup: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        // One pending nudge is enough: the scheduler re-reads the queue whenever it wakes.
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func nudge() {
        continuation.yield()
    }

    /// Returns at `deadline` (never, when nil), at a nudge, or when the task is cancelled.
    func wait(until deadline: Date?, clock: any WallClock) async {
        let stream = stream
        await withTaskGroup(of: Void.self) { group in
            if let deadline {
                group.addTask { try? await clock.sleep(until: deadline) }
            }
            group.addTask {
                for await _ in stream { break }
            }
            await group.next()
            group.cancelAll()
        }
    }
}
