import CheckInCore
import Foundation
import GRDB

/// Help at any time (docs/ARCHITECTURE.md, "Help without a plan"): the plans made for it, and what they take
/// from the plan before them.
extension Store {
    /// The plan's sealed details, opened; nil when there is no such plan.
    func planDetails(id: String) throws -> PlanDetails? {
        try writer.read { db in try PlanRecord.fetchOne(db, key: id)?.openDetails(with: cipher) }
    }

    /// The running plan made for Help pressed after `planID` ended, if there is one.
    func runningPlan(helpAfter planID: String) throws -> String? {
        try writer.read { db in
            try PlanRecord.all().running().newestFirst().fetchAll(db)
                .first { try $0.openDetails(with: cipher).helpAfter == planID }?.id
        }
    }

    /// Stores a plan made for Help, in one transaction with what it takes from before: the photo of the plan
    /// it follows (`base`), and the newest position recorded, in `base` or, without one, in any plan kept, at
    /// the time it was recorded, so that the alert carries the last known location.
    func insertHelpPlan(_ plan: Plan, details: PlanDetails, base: String?, machine: CheckInMachine) throws {
        try writer.write { db in
            let photo = try base.flatMap { try self.photo(db, planID: $0) }
            try insertPlan(db, plan, details: details, photo: photo, machine: machine)
            var lines = HistoryRecord.filter(HistoryRecord.Columns.kind == HistoryEntry.locationKind)
            if let base { lines = lines.filter(HistoryRecord.Columns.planID == base) }
            guard let last = try lines.order(HistoryRecord.Columns.at.desc).fetchOne(db), let sealed = last.detail else { return }
            let fix = try cipher.open(LocationFix.self, from: sealed, for: Self.historyColumn(last.planID))
            try insertHistory(
                db, planID: plan.id, at: last.at, kind: HistoryEntry.locationKind,
                detail: try cipher.seal(fix, for: Self.historyColumn(plan.id)))
        }
    }
}
