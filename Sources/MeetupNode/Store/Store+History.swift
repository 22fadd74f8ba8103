import CheckInCore
import Foundation
import GRDB
import MeetupControl

/// A row of `history`: one line of a plan's history, its time and kind in clear, a position or region
/// sealed in `detail`. Read and written column by column (`PlanRecord` says why).
struct HistoryRecord: Equatable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "history"

    var id: Int64?
    var planID: String
    var at: Date
    var kind: String
    /// A `LocationFix` or a `RegionTransition`, sealed under `Store.historyColumn(planID)`.
    var detail: Data?

    enum Columns {
        static let id = Column("id")
        static let planID = Column("plan_id")
        static let at = Column("at")
        static let kind = Column("kind")
        static let detail = Column("detail")
    }

    func encode(to container: inout PersistenceContainer) {
        container[Columns.id] = id
        container[Columns.planID] = planID
        container[Columns.at] = at
        container[Columns.kind] = kind
        container[Columns.detail] = detail
    }


    /// The plan's lines in the order they happened (the phone's own times may arrive late), through a
    /// statement prepared once per connection: they are read for every alert built, and a wave builds
    /// thousands.
    static func lines(of planID: String, _ db: Database) throws -> [Self] {
        try fetchAll(db.cachedStatement(sql: "SELECT * FROM history WHERE plan_id = ? ORDER BY at, id"), arguments: [planID])
    }
}

extension HistoryRecord {
    // Outside the struct, so that it keeps its memberwise initializer.
    init(row: Row) throws {
        id = try row.decode(forColumn: Columns.id)
        planID = try row.decode(forColumn: Columns.planID)
        at = try row.decode(forColumn: Columns.at)
        kind = try row.decode(forColumn: Columns.kind)
        detail = try row.decode(forColumn: Columns.detail)
    }
}

extension Store {
    static func historyColumn(_ planID: String) -> SealedColumn {
        SealedColumn(table: "history", column: "detail", rowKey: planID)
    }

    func insertHistory(_ db: Database, planID: String, at: Date, kind: String, detail: Data?) throws {
        try Self.insertRow(HistoryRecord(planID: planID, at: at, kind: kind, detail: detail), db)
    }

    /// The plan's history, oldest first, its details opened.
    func historyLines(_ db: Database, planID: String) throws -> [RecordedLine] {
        try HistoryRecord.lines(of: planID, db).map { record in
            var line = RecordedLine(at: record.at, kind: record.kind)
            if let detail = record.detail {
                if line.kind == HistoryEntry.locationKind {
                    line.fix = try cipher.open(LocationFix.self, from: detail, for: Self.historyColumn(planID))
                } else if line.kind.hasPrefix(HistoryEntry.regionKindPrefix) {
                    line.region = try cipher.open(RegionTransition.self, from: detail, for: Self.historyColumn(planID))
                }
            }
            return line
        }
    }

    /// The plan's history: times and kinds only.
    func log(planID: String) throws -> [LogEntry] {
        try writer.read { db in
            try HistoryRecord.lines(of: planID, db).map { LogEntry(at: $0.at, kind: $0.kind) }
        }
    }
}
