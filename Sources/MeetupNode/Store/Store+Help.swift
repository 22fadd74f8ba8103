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
            guard let fix = try newestFix(db, in: base) else { return }
            try insertHistory(
                db, planID: plan.id, at: fix.at, kind: HistoryEntry.locationKind,
                detail: try cipher.seal(fix, for: Self.historyColumn(plan.id)))
        }
    }

    /// The newest position recorded in `planID`, or in any plan kept when nil.
    func newestFix(in planID: String?) throws -> LocationFix? {
        try writer.read { db in try newestFix(db, in: planID) }
    }

    private func newestFix(_ db: Database, in planID: String?) throws -> LocationFix? {
        var lines = HistoryRecord.filter(HistoryRecord.Columns.kind == HistoryEntry.locationKind && HistoryRecord.Columns.detail != nil)
        if let planID { lines = lines.filter(HistoryRecord.Columns.planID == planID) }
        guard let last = try lines.order(HistoryRecord.Columns.at.desc).fetchOne(db), let sealed = last.detail else { return nil }
        return try cipher.open(LocationFix.self, from: sealed, for: Self.historyColumn(last.planID))
    }
}
