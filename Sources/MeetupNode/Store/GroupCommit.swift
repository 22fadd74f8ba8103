import Dispatch
import GRDB
import Synchronization

/// Small write transactions from concurrent callers, committed together: a burst of envelopes arriving at
/// once costs one commit (one fsync) per batch instead of one per envelope. Each caller's work runs in its
/// own savepoint, so one that throws is rolled back alone and gets its own error (unless SQLite aborted the
/// whole transaction, which then fails the whole batch with that error); the caller returns only
/// after the batch holding its work has committed (or gets the commit's error), so nothing is answered or
/// acted on before it is durable. The batches run one after another on a queue of their own.
final class GroupCommit: Sendable {
    /// Work taken into one transaction at most.
    static let batchLimit = 256

    private let writer: any DatabaseWriter
    private let queue = DispatchQueue(label: "meetup.group-commit")
    private let state = Mutex(State())

    private struct State {
        var waiting: [Pending] = []
        /// Callers in the batch being committed.
        var committing = 0
        var draining = false
    }

    /// One caller's work and its outcome. Written by the queue before `done` is signalled, read by the caller
    /// after: the semaphore orders the two.
    private final class Pending: @unchecked Sendable {
        var work: ((Database) throws -> Void)?
        var failure: (any Error)?
        let done = DispatchSemaphore(value: 0)

        init(_ work: @escaping (Database) throws -> Void) { self.work = work }
    }

    private static let drainKey = DispatchSpecificKey<Bool>()

    init(writer: any DatabaseWriter) {
        self.writer = writer
        queue.setSpecific(key: Self.drainKey, value: true)
    }

    /// Callers whose work is not committed yet, for tests.
    var waitingCount: Int { state.withLock { $0.waiting.count + $0.committing } }

    /// Runs `body` in the next batch, and returns once that batch has committed. Blocks the calling thread:
    /// call it off the cooperative pool, like every store call, and never inside a `writer` access or a
    /// group commit's work, which would wait for itself.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        precondition(DispatchQueue.getSpecific(key: Self.drainKey) == nil, "GroupCommit.write inside a group commit's work")
        var result: T?
        let failure: (any Error)? = withoutActuallyEscaping(body) { body in
            let pending = Pending { db in result = try body(db) }
            let start = state.withLock { state -> Bool in
                state.waiting.append(pending)
                defer { state.draining = true }
                return !state.draining
            }
            if start { queue.async { self.drain() } }
            pending.done.wait()
            return pending.failure
        }
        if let failure { throw failure }
        guard let result else { preconditionFailure("group commit finished without a result or an error") }
        return result
    }

    /// Commits batches until nobody waits.
    private func drain() {
        while true {
            let batch = state.withLock { state -> [Pending] in
                let batch = Array(state.waiting.prefix(Self.batchLimit))
                state.waiting.removeFirst(batch.count)
                state.committing = batch.count
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if batch.isEmpty { return }
            commit(batch)
        }
    }

    private func commit(_ batch: [Pending]) {
        do {
            try writer.write { db in
                var aborted: (any Error)?
                for pending in batch {
                    if let aborted {
                        pending.failure = aborted
                        continue
                    }
                    do {
                        try db.inCachedSavepoint { try pending.work?(db) }
                    } catch let failed as SavepointRollbackFailed {
                        // The savepoint's writes could not be undone: nothing of the batch may commit.
                        pending.failure = failed.error
                        aborted = failed.error
                    } catch {
                        pending.failure = error
                        // Some errors (disk full, I/O, out of memory) make SQLite roll back the whole
                        // transaction: nothing of the batch can commit, and every caller gets that error.
                        if !db.isInsideTransaction { aborted = error }
                    }
                }
                if let aborted { throw aborted }
            }
        } catch {
            // The commit failed: nothing of the batch is durable, whatever each work returned.
            for pending in batch where pending.failure == nil { pending.failure = error }
        }
        for pending in batch {
            // The closure must not outlive its caller's `withoutActuallyEscaping`.
            pending.work = nil
            pending.done.signal()
        }
    }
}
