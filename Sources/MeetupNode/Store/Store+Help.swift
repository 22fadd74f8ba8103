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

    /// Stores a plan made for Help and raises its panic alert, in one transaction, so that no timer of the new
    /// plan can run first; with what it takes from before: the photo of the plan it follows (`base`), and the
    /// newest position recorded, in `base` or, without one, in any plan kept, at the time it was recorded, so
    /// that the alert carries the last known location. `fix`, the position sent with Help, comes after it.
    func insertHelpPlan(
        _ plan: Plan, details: PlanDetails, base: String?, fix: LocationFix?, _ context: TransitionContext
    ) throws -> PlanOutcome? {
        try writer.write { db in
            let photo = try base.flatMap { try self.photo(db, planID: $0) }
            try insertPlan(db, plan, details: details, photo: photo, machine: context.machine)
            if let last = try newestFix(db, in: base) {
                try insertHistory(
                    db, planID: plan.id, at: last.at, kind: HistoryEntry.locationKind,
                    detail: try cipher.seal(last, for: Self.historyColumn(plan.id)))
            }
            if let fix { _ = try advance(db, planID: plan.id, to: plan.createdAt, applying: .location(fix), context) }
            return try advance(db, planID: plan.id, to: plan.createdAt, applying: .panic, context)
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
