import Foundation
import GRDB
import MeetupCrypto
@testable import MeetupNode
import Synchronization
import Testing

@Suite("group commit")
struct GroupCommitTests {
    let directory: TemporaryDirectory
    let store: Store

    init() throws {
        directory = try TemporaryDirectory()
        store = try Store.open(path: directory.path + "/meetup.sqlite", cipher: DataCipher(key: SymmetricKey()))
        try store.writer.write { db in try db.execute(sql: "CREATE TABLE t (n INTEGER PRIMARY KEY)") }
    }

    /// Counts the commits of the store's writer.
    final class Commits: TransactionObserver, @unchecked Sendable {
        let count = Mutex(0)
        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
        func databaseDidChange(with event: DatabaseEvent) {}
        func databaseDidCommit(_ db: Database) { count.withLock { $0 += 1 } }
        func databaseDidRollback(_ db: Database) {}
    }

    /// Runs `count` writes of `work` on threads of their own, while the writer is held, and returns once
    /// every one has returned; the results in order of `n`.
    func burst(_ count: Int, work: @escaping @Sendable (Int) throws -> Bool) throws -> [Result<Bool, any Error>] {
        let results = Mutex([Result<Bool, any Error>?](repeating: nil, count: count))
        let held = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        // Holds the writer, so that every write below queues behind it.
        group.enter()
        Thread {
            try? store.writer.write { _ in held.signal(); release.wait() }
            group.leave()
        }.start()
        held.wait()
        // A thread each: Dispatch's pool would add threads for blocked work only slowly.
        for n in 0 ..< count {
            group.enter()
            Thread {
                let result = Result { try work(n) }
                results.withLock { $0[n] = result }
                group.leave()
            }.start()
        }
        // The first writes are taken by the drain, which waits for the writer; the others for the next batch.
        let deadline = Date().addingTimeInterval(10)
        while store.groupCommit.waitingCount < count, Date() < deadline { usleep(1_000) }
        #expect(store.groupCommit.waitingCount == count, "every write queued while the writer was held")
        release.signal()
        group.wait()
        return results.withLock { $0.map { $0! } }
    }

    @Test("a burst of writes commits in two transactions, and every row is there when its caller returns")
    func burstCommitsTogether() throws {
        let commits = Commits()
        store.writer.add(transactionObserver: commits, extent: .observerLifetime)
        let results = try burst(40) { n in
            try store.groupCommit.write { db in try db.execute(sql: "INSERT INTO t (n) VALUES (?)", arguments: [n]) }
            return try store.writer.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM t WHERE n = ?)", arguments: [n]) ?? false }
        }
        #expect(results.allSatisfy { (try? $0.get()) == true }, "each row was committed before its write returned")
        #expect(try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") } == 40)
        // The holder's own empty transaction, the first write alone, then the other 39 together.
        #expect(commits.count.withLock { $0 } <= 3, "\(commits.count.withLock { $0 }) commits for 40 writes")
    }

    @Test("a write that throws is rolled back alone, with its own error; the rest of its batch commits")
    func failureStaysAlone() throws {
        struct Refused: Error {}
        let results = try burst(10) { n in
            try store.groupCommit.write { db in
                try db.execute(sql: "INSERT INTO t (n) VALUES (?)", arguments: [n])
                if n == 5 { throw Refused() }
            }
            return true
        }
        #expect(results.enumerated().allSatisfy { n, result in
            n == 5 ? (try? result.get()) == nil : (try? result.get()) == true
        })
        #expect(try store.writer.read { db in try Int.fetchAll(db, sql: "SELECT n FROM t ORDER BY n") } == [0, 1, 2, 3, 4, 6, 7, 8, 9])
    }

    @Test("the same envelope arriving twice in one batch is accepted once")
    func duplicateInOneBatch() throws {
        let id = Data(repeating: 7, count: 16)
        let applied = Mutex(0)
        let results = try burst(6) { _ in
            try store.acceptOnce(envelopeID: id, expires: Date().addingTimeInterval(3_600)) { _ in applied.withLock { $0 += 1 } }
        }
        #expect(results.compactMap { try? $0.get() }.filter { $0 }.count == 1)
        #expect(applied.withLock { $0 } == 1)
    }
}
