import CheckInCore
import Foundation
import GRDB

/// A plan's history: times and kinds in clear, positions and regions sealed in `detail`.
extension Store {
    static func historyColumn(_ planID: String) -> SealedColumn {
        SealedColumn(table: "history", column: "detail", rowKey: planID)
    }

    func insertHistory(_ db: Database, planID: String, at: Date, kind: String, detail: Data?) throws {
        try db.execute(
            sql: "INSERT INTO history (plan_id, at, kind, detail) VALUES (?, ?, ?, ?)",
            arguments: [planID, at, kind, detail])
    }

    /// The plan's history, oldest first, its details opened.
    func historyLines(_ db: Database, planID: String) throws -> [RecordedLine] {
        try Row.fetchAll(db, sql: "SELECT at, kind, detail FROM history WHERE plan_id = ? ORDER BY at, id", arguments: [planID])
            .map { row in
                var line = RecordedLine(at: row["at"], kind: row["kind"])
                if let detail: Data = row["detail"] {
                    if line.kind == HistoryEntry.locationKind {
                        line.fix = try cipher.open(LocationFix.self, from: detail, for: Self.historyColumn(planID))
                    } else if line.kind.hasPrefix(HistoryEntry.regionKindPrefix) {
                        line.region = try cipher.open(RegionTransition.self, from: detail, for: Self.historyColumn(planID))
                    }
                }
                return line
            }
    }
}
