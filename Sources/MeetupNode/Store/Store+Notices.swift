import CheckInCore
import Foundation
import GRDB

/// A row of `notice`: something to tell a plan's contacts or guardians, committed with the transition that
/// decided it and turned into envelopes by the courier. Read and written column by column (`PlanRecord`).
struct NoticeRecord: Equatable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "notice"

    var id: Int64?
    var planID: String
    var kind: NoticeKind
    /// The alert a notice of kind `alert` or `standDownAlerted` is about.
    var alertID: String?
    var at: Date
    /// Under duress: do the bookkeeping, send nothing.
    var quiet: Bool
    /// Set when the notice's rows are damaged: kept for the record, never fanned out.
    var failedAt: Date?

    enum Columns {
        static let id = Column("id")
        static let planID = Column("plan_id")
        static let kind = Column("kind")
        static let alertID = Column("alert_id")
        static let at = Column("at")
        static let quiet = Column("quiet")
        static let failedAt = Column("failed_at")
    }

    func encode(to container: inout PersistenceContainer) {
        container[Columns.id] = id
        container[Columns.planID] = planID
        container[Columns.kind] = kind
        container[Columns.alertID] = alertID
        container[Columns.at] = at
        container[Columns.quiet] = quiet
        container[Columns.failedAt] = failedAt
    }
}

extension NoticeRecord {
    // Outside the struct, so that it keeps its memberwise initializer.
    init(row: Row) throws {
        id = try row.decode(forColumn: Columns.id)
        planID = try row.decode(forColumn: Columns.planID)
        kind = try row.decode(forColumn: Columns.kind)
        alertID = try row.decode(forColumn: Columns.alertID)
        at = try row.decode(forColumn: Columns.at)
        quiet = try row.decode(forColumn: Columns.quiet)
        failedAt = try row.decode(forColumn: Columns.failedAt)
    }
}

extension NoticeKind: DatabaseValueConvertible {}

extension Store {
    func insertNotice(_ db: Database, planID: String, kind: NoticeKind, alertID: String?, at: Date, quiet: Bool) throws {
        try Self.insertRow(NoticeRecord(id: nil, planID: planID, kind: kind, alertID: alertID, at: at, quiet: quiet, failedAt: nil), db)
    }

    /// Envelope bytes one fan-out transaction takes at most: alerts carry photos (up to 5 MiB, sealed once
    /// per recipient), and a transaction that size holds the single writer and the WAL.
    static let fanOutByteBudget = 16 << 20

    /// In one transaction, up to `limit` notices, oldest first, each in its own savepoint, and no more once
    /// their envelopes pass `fanOutByteBudget`: the rows `build` makes for a notice go into the outbox and the
    /// notice is deleted. A notice that cannot be read or built (damage) is set aside with `failed_at`, so
    /// that it cannot hold up every other alert. An error of the moment (disk full, I/O, busy) stops the
    /// batch there: that notice and the ones after it stay queued, in order (a "resolved" must not be fanned
    /// out before its alert), the notices before it commit unless SQLite aborted the whole transaction, and
    /// the error is rethrown.
    func fanOut(
        limit: Int, at now: Date, build: (Database, NoticeRecord) throws -> [OutboxEntry]
    ) throws -> (queued: Int, failed: [Int64]) {
        // Read first: a pass with nothing to fan out takes no write lock.
        let ids = try writer.read { db in
            try NoticeRecord.select(NoticeRecord.Columns.id, as: Int64.self).filter(NoticeRecord.Columns.failedAt == nil)
                .order(NoticeRecord.Columns.id).limit(limit).fetchAll(db)
        }
        if ids.isEmpty { return (0, []) }
        var stop: (any Error)?
        let result: (queued: Int, failed: [Int64])
        do {
            result = try writer.write { db -> (queued: Int, failed: [Int64]) in
                var queued = 0
                var bytes = 0
                var failed: [Int64] = []
                for id in ids where bytes < Self.fanOutByteBudget {
                    do {
                        do {
                            try db.inCachedSavepoint {
                                guard let notice = try Self.fetchOne(NoticeRecord.self, db, where: "id = ?", [id]) else { return }
                                let entries = try build(db, notice)
                                for entry in entries { try insertOutbox(db, entry) }
                                try db.cachedStatement(sql: "DELETE FROM notice WHERE id = ?").execute(arguments: [id])
                                queued += entries.count
                                bytes += entries.reduce(0) { $0 + $1.sealed.count }
                            }
                        } catch where Store.isDamage(error) {
                            try NoticeRecord.filter(key: id).updateAll(db, NoticeRecord.Columns.failedAt.set(to: now))
                            failed.append(id)
                        }
                    } catch let failed as SavepointRollbackFailed {
                        // The notice's writes could not be undone: nothing of this transaction may commit.
                        throw failed.error
                    } catch {
                        stop = error
                        break
                    }
                }
                return (queued, failed)
            }
        } catch {
            // An error that aborted the transaction shows as the abort: the cause is the one to report.
            throw stop ?? error
        }
        if let stop { throw stop }
        return result
    }

    func pendingNoticeCount() throws -> Int {
        try writer.read { db in try NoticeRecord.filter(NoticeRecord.Columns.failedAt == nil).fetchCount(db) }
    }
}
