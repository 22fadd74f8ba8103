import Foundation
import GRDB

extension Store {
    /// Records when this database was created, on its first open; later opens leave it.
    func recordCreation(at now: Date) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO node (id, created_at) VALUES (1, ?)", arguments: [now])
        }
    }

    public func createdAt() throws -> Date? {
        try writer.read { db in try Date.fetchOne(db, sql: "SELECT created_at FROM node WHERE id = 1") }
    }

    /// A write that changes nothing, committed: fails when the disk, the file or its lock refuse writes.
    func probeWrite() throws {
        try writer.write { db in try db.execute(sql: "UPDATE node SET created_at = created_at WHERE id = 1") }
    }

    /// Envelopes not yet delivered, and when the oldest of them was queued; silent ones are not shown.
    func outboxBacklog() throws -> (count: Int, oldest: Date?) {
        try writer.read { db in
            let row = try Row.fetchOne(
                db,
                sql: "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox o WHERE state = 'queued' AND NOT \(Self.silentEnvelope)")
            return (row?["n"] ?? 0, row?["oldest"])
        }
    }
}

extension Store {
    /// How many plans are in each phase.
    func planCountsByPhase() throws -> [String: Int] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT phase, COUNT(*) AS n FROM plan GROUP BY phase")
                .reduce(into: [:]) { counts, row in counts[row["phase"]] = row["n"] }
        }
    }
}

extension Store {
    /// Work taken out of the queues because its row is damaged: notices set aside (`failed_at`) and running
    /// plans with no next timer, which would never alert.
    func setAsideWork() throws -> (notices: Int, plans: Int) {
        try writer.read { db in
            let notices = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM notice WHERE failed_at IS NOT NULL") ?? 0
            let plans = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM plan WHERE phase IN ('scheduled', 'active', 'grace') AND wake_at IS NULL") ?? 0
            return (notices, plans)
        }
    }
}
