import CheckInCore
import Foundation
import GRDB

/// A row of `notice`: something to tell a plan's contacts or guardians, committed with the transition that
/// decided it and turned into envelopes by the courier.
struct NoticeRecord: Codable, FetchableRecord, PersistableRecord {
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

    enum CodingKeys: String, CodingKey {
        case id, kind, at, quiet
        case planID = "plan_id"
        case alertID = "alert_id"
        case failedAt = "failed_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let failedAt = Column(CodingKeys.failedAt)
    }
}

extension NoticeKind: DatabaseValueConvertible {}

extension Store {
    func insertNotice(_ db: Database, planID: String, kind: NoticeKind, alertID: String?, at: Date, quiet: Bool) throws {
        try NoticeRecord(id: nil, planID: planID, kind: kind, alertID: alertID, at: at, quiet: quiet, failedAt: nil).insert(db)
    }

    /// The ids of up to `limit` notices waiting to be fanned out, oldest first.
    func pendingNoticeIDs(limit: Int) throws -> [Int64] {
        try writer.read { db in
            try NoticeRecord.select(NoticeRecord.Columns.id, as: Int64.self).filter(NoticeRecord.Columns.failedAt == nil)
                .order(NoticeRecord.Columns.id).limit(limit).fetchAll(db)
        }
    }

    /// In one transaction: reads the notice (a row that cannot be read throws, as damage), puts the rows
    /// `build` makes for it in the outbox, and deletes it. Returns the number of rows queued; 0 when the
    /// notice is gone.
    func fanOut(noticeID: Int64, build: (Database, NoticeRecord) throws -> [OutboxEntry]) throws -> Int {
        try writer.write { db in
            guard let notice = try NoticeRecord.fetchOne(db, key: noticeID) else { return 0 }
            let entries = try build(db, notice)
            for entry in entries { try insertOutbox(db, entry) }
            _ = try notice.delete(db)
            return entries.count
        }
    }

    /// A notice whose rows are damaged: kept with `failed_at`, so that it cannot hold up every other alert.
    func setAsideNotice(id: Int64, at now: Date) throws {
        _ = try writer.write { db in
            try NoticeRecord.filter(key: id).updateAll(db, NoticeRecord.Columns.failedAt.set(to: now))
        }
    }

    func pendingNoticeCount() throws -> Int {
        try writer.read { db in try NoticeRecord.filter(NoticeRecord.Columns.failedAt == nil).fetchCount(db) }
    }
}
