import CheckInCore
import Foundation
import GRDB

/// The row of `node`: when this database was created, for status and backups.
struct NodeRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "node"
    var id = 1
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id
        case createdAt = "created_at"
    }
}

/// The row of `pin`: the node's PIN and duress PIN, as Argon2id strings.
struct PinRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "pin"
    var id = 1
    var pinHash: String
    var duressHash: String
    var setAt: Date

    enum CodingKeys: String, CodingKey {
        case id
        case pinHash = "pin_hash"
        case duressHash = "duress_hash"
        case setAt = "set_at"
    }
}

extension Store {
    /// Records when this database was created, on its first open; later opens leave it.
    func recordCreation(at now: Date) throws {
        try writer.write { db in try NodeRecord(createdAt: now).insert(db, onConflict: .ignore) }
    }

    public func createdAt() throws -> Date? {
        try writer.read { db in try NodeRecord.fetchOne(db, key: 1)?.createdAt }
    }

    /// A write that changes nothing, committed: fails when the disk, the file or its lock refuse writes.
    func probeWrite() throws {
        _ = try writer.write { db in
            try NodeRecord.filter(key: 1).updateAll(db, Column(NodeRecord.CodingKeys.createdAt).set(to: Column(NodeRecord.CodingKeys.createdAt)))
        }
    }

    /// Envelopes not yet delivered, and when the oldest of them was queued; silent ones are not shown.
    func outboxBacklog() throws -> (count: Int, oldest: Date?) {
        try writer.read { db in
            let visible = OutboxRecord.aliased(TableAlias(name: "o")).queued().filter(sql: "NOT \(Self.silentEnvelope)")
            return (
                try visible.fetchCount(db),
                try visible.select(min(OutboxRecord.Columns.createdAt), as: Date?.self).fetchOne(db) ?? nil
            )
        }
    }

    /// How many plans are in each phase.
    func planCountsByPhase() throws -> [Phase: Int] {
        try writer.read { db in
            try PlanRecord.select(PlanRecord.Columns.phase, count(PlanRecord.Columns.id)).group(PlanRecord.Columns.phase)
                .asRequest(of: Row.self).fetchAll(db)
                .reduce(into: [:]) { counts, row in
                    if let phase = Phase.fromDatabaseValue(row[0]) { counts[phase] = row[1] }
                }
        }
    }

    /// Work taken out of the queues because its row is damaged: notices set aside (`failed_at`) and running
    /// plans with no next timer, which would never alert.
    func setAsideWork() throws -> (notices: Int, plans: Int) {
        try writer.read { db in
            let notices = try NoticeRecord.filter(NoticeRecord.Columns.failedAt != nil).fetchCount(db)
            let plans = try PlanRecord.filter(PlanRecord.Columns.wakeAt == nil)
                .filter([Phase.scheduled, .active, .grace].contains(PlanRecord.Columns.phase)).fetchCount(db)
            return (notices, plans)
        }
    }
}
