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
            try Row.fetchAll(db, sql: "SELECT at, kind FROM history WHERE plan_id = ? ORDER BY at, id", arguments: [planID])
                .map { LogEntry(at: $0["at"], kind: $0["kind"]) }
        }
    }

    /// Rows by kind, for `status`: plans not expired, alerts the user may see, contacts, received alerts,
    /// queued copies of visible alerts.
    func counts() throws -> (plans: Int, alerts: Int, contacts: Int, received: Int, outbox: Int, watching: Int) {
        try writer.read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM " + sql) ?? 0 }
            return (
                try count("plan WHERE phase != 'expired'"), try count("alert WHERE silent = 0"), try count("contact"),
                try count("received_alert"), try count(
                    // Alert copies waiting, but not those of silent alerts, which whoever holds the device
                    // must not see; other messages are not counted, since duress changes which are sent.
                    "outbox WHERE state = 'queued' AND type = 'alert' AND alert_id NOT IN (SELECT id FROM alert WHERE silent = 1)"),
                try count("watch WHERE phase = 'watching'"))
        }
    }

    private func status(_ db: Database, _ record: PlanRecord) throws -> PlanStatus {
        let state = try record.state()
        let alerts = try Row.fetchAll(
            db, sql: "SELECT id, reason, raised_at, late FROM alert WHERE plan_id = ? AND silent = 0 ORDER BY raised_at, id",
            arguments: [record.id]
        ).map { row in
            let deliveries = try deliveries(db, alertID: row["id"])
            return AlertSummary(
                id: row["id"], reason: row["reason"], raisedAt: row["raised_at"], late: row["late"],
                deliveries: deliveries, acks: deliveries.filter { $0.ackedAt != nil }.map(\.contact))
        }
        let details = try record.openDetails(with: cipher)
        var contacts: [String] = []
        for id in details.recipients ?? [] {
            if let contact = try contact(db, id: id) { contacts.append(contact.name) }
        }
        return PlanStatus(
            plan: record.id, phase: state.phase, start: state.schedule.start, nextDeadline: state.nextDeadline,
            reminderAt: state.reminderAt, until: state.schedule.until, everySeconds: state.schedule.every,
            graceSeconds: state.schedule.grace, lastCheckIn: state.lastCheckIn, resolved: state.resolved, alerts: alerts,
            contacts: contacts, guardians: try guardianSummaries(db, planID: record.id, details: details))
    }

    /// Each contact's copy of an alert, from its outbox rows: the newest revision's, once an incident was
    /// updated.
    private func deliveries(_ db: Database, alertID: String) throws -> [DeliverySummary] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT contact_name, tier, state, created_at, next_attempt_at, attempts, delivered_at, acked_at
                FROM outbox o WHERE alert_id = ? AND type = 'alert'
                  AND revision = (SELECT MAX(revision) FROM outbox n
                                  WHERE n.alert_id = o.alert_id AND n.type = 'alert' AND n.contact_name = o.contact_name)
                ORDER BY tier, contact_name
                """,
            arguments: [alertID]
        ).map { row in
            let acked: Date? = row["acked_at"]
            let raw: String = row["state"]
            let attempts: Int = row["attempts"]
            let next: Date? = row["next_attempt_at"]
            let tier: Int = row["tier"]
            return DeliverySummary(
                contact: row["contact_name"], state: acked != nil ? "acked" : raw, tier: tier, queuedAt: row["created_at"],
                escalatesAt: tier == 2 && attempts == 0 && raw == "queued" ? next : nil,
                deliveredAt: row["delivered_at"], ackedAt: acked, attempts: attempts)
        }
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
