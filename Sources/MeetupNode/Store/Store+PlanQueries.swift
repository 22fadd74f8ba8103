import CheckInCore
import Foundation
import GRDB
import MeetupControl

extension Store {
    /// The plan's status as the user sees it. Silent alerts (duress, PIN failures) are left out, so that
    /// whoever holds the device cannot tell one was sent.
    func planStatus(id: String) throws -> PlanStatus? {
        try writer.read { db in
            guard let record = try PlanRecord.fetchOne(db, key: id) else { return nil }
            return try status(db, record)
        }
    }

    /// Every plan not yet expired, newest first.
    func planStatuses() throws -> [PlanStatus] {
        try writer.read { db in
            try PlanRecord.filter(PlanRecord.Columns.phase != Phase.expired.rawValue)
                .order(PlanRecord.Columns.createdAt.desc, PlanRecord.Columns.id)
                .fetchAll(db)
                .map { try status(db, $0) }
        }
    }

    /// Ids of the plans still running (not ended).
    func runningPlanIDs() throws -> [String] {
        try writer.read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM plan WHERE phase NOT IN ('done', 'expired') ORDER BY created_at DESC")
        }
    }

    func planExists(id: String) throws -> Bool {
        try writer.read { db in try PlanRecord.exists(db, key: id) }
    }

    /// The plan's history: times and kinds only.
    func log(planID: String) throws -> [LogEntry] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT at, kind FROM history WHERE plan_id = ? ORDER BY id", arguments: [planID])
                .map { LogEntry(at: $0["at"], kind: $0["kind"]) }
        }
    }

    /// Rows by kind, for `status`: plans not expired, and alerts the user may see.
    func counts() throws -> (plans: Int, alerts: Int) {
        try writer.read { db in
            let plans = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM plan WHERE phase != 'expired'") ?? 0
            let alerts = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alert WHERE silent = 0") ?? 0
            return (plans, alerts)
        }
    }

    private func status(_ db: Database, _ record: PlanRecord) throws -> PlanStatus {
        let state = try record.state()
        let alerts = try Row.fetchAll(
            db, sql: "SELECT id, reason, raised_at, late FROM alert WHERE plan_id = ? AND silent = 0 ORDER BY raised_at, id",
            arguments: [record.id]
        ).map { AlertSummary(id: $0["id"], reason: $0["reason"], raisedAt: $0["raised_at"], late: $0["late"], deliveries: []) }
        return PlanStatus(
            plan: record.id, state: state.phase.rawValue, start: state.schedule.start, nextDeadline: state.nextDeadline,
            reminderAt: state.reminderAt, until: state.schedule.until, everySeconds: state.schedule.every,
            graceSeconds: state.schedule.grace, lastCheckIn: state.lastCheckIn, resolved: state.resolved, alerts: alerts)
    }

    // MARK: PINs

    func pinHashes() throws -> (pin: String, duress: String)? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT pin_hash, duress_hash FROM pin WHERE id = 1") else { return nil }
            return (row["pin_hash"], row["duress_hash"])
        }
    }

    func savePINHashes(pin: String, duress: String, at now: Date) throws {
        try writer.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO pin (id, pin_hash, duress_hash, set_at) VALUES (1, ?, ?, ?)",
                arguments: [pin, duress, now])
        }
    }
}
