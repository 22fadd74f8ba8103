import CheckInCore
import Foundation
import GRDB
import MeetupControl

extension Store {
    /// The plan's status as the user sees it. Silent alerts (duress, PIN failures) are left out, so that
    /// whoever holds the device cannot tell one was sent.
    func planStatus(id: String) throws -> PlanStatus? {
        try writer.read { db in
            guard let record = try planRecord(db, id: id) else { return nil }
            return try status(db, record)
        }
    }

    /// Every plan not yet expired, newest first.
    func planStatuses() throws -> [PlanStatus] {
        try writer.read { db in
            try PlanRecord.all().notExpired().newestFirst().fetchAll(db)
                .map { try status(db, $0) }
        }
    }

    /// Ids of the plans still running (not ended).
    func runningPlanIDs() throws -> [String] {
        try writer.read { db in
            try PlanRecord.all().running().newestFirst().select(PlanRecord.Columns.id, as: String.self).fetchAll(db)
        }
    }

    func planExists(id: String) throws -> Bool {
        try readOne { db in try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM plan WHERE id = ?)"), arguments: [id]) ?? false }
    }

    /// Rows by kind, for `status`: plans not expired, alerts the user may see, contacts, received alerts,
    /// queued copies of visible alerts.
    func counts() throws -> (plans: Int, alerts: Int, contacts: Int, received: Int, outbox: Int, watching: Int) {
        try writer.read { db in
            // Alert copies waiting, but not those of silent alerts, which whoever holds the device must not
            // see; other messages are not counted, since duress changes which are sent.
            let silentAlerts = AlertRecord.filter(AlertRecord.Columns.silent == true).select(AlertRecord.Columns.id)
            return (
                try PlanRecord.all().notExpired().fetchCount(db),
                try AlertRecord.filter(AlertRecord.Columns.silent == false).fetchCount(db),
                try ContactRecord.fetchCount(db),
                try ReceivedAlertRecord.fetchCount(db),
                try OutboxRecord.all().queued().ofType(.alert)
                    .filter(!silentAlerts.contains(OutboxRecord.Columns.alertID)).fetchCount(db),
                try WatchRecord.all().watching().fetchCount(db))
        }
    }

    private func status(_ db: Database, _ record: PlanRecord) throws -> PlanStatus {
        let state = try record.state()
        // Every answer to a plan command (arm, check-in, status) builds this: its statements are prepared once.
        let alerts = try AlertRecord.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM alert WHERE plan_id = ? AND silent = 0 ORDER BY raised_at, id"), arguments: [record.id]
        ).map { alert in
            let deliveries = try deliveries(db, alertID: alert.id)
            return AlertSummary(
                id: alert.id, reason: alert.reason.rawValue, raisedAt: alert.raisedAt, late: alert.late,
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
            contacts: contacts, guardians: try guardianSummaries(db, planID: record.id, details: details),
            place: details.place.name, geo: details.place.geo)
    }

    /// Each contact's copy of an alert, from its outbox rows: the newest revision's, once an incident was
    /// updated.
    private func deliveries(_ db: Database, alertID: String) throws -> [DeliverySummary] {
        let columns = OutboxRecord.Columns.self
        let copy = TableAlias(name: "o")
        let newest = OutboxRecord.aliased(TableAlias(name: "n")).copies(of: alertID)
            .filter(Column("contact_name") == copy[Column("contact_name")]).select(max(columns.revision))
        return try OutboxRecord.aliased(copy).copies(of: alertID).filter(columns.revision == newest)
            .order(columns.tier, Column("contact_name")).fetchAll(db)
            .map { row in
                DeliverySummary(
                    contact: row.contactName, state: row.ackedAt != nil ? "acked" : row.shownState, tier: row.tier,
                    queuedAt: row.createdAt,
                    escalatesAt: row.tier == 2 && row.attempts == 0 && row.state == .queued ? row.nextAttemptAt : nil,
                    deliveredAt: row.deliveredAt, ackedAt: row.ackedAt, attempts: row.attempts)
            }
    }

    // MARK: PINs

    func pinHashes() throws -> (pin: String, duress: String)? {
        try readOne { db in try PinRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM pin")).map { ($0.pinHash, $0.duressHash) } }
    }

    func savePINHashes(pin: String, duress: String, at now: Date) throws {
        try writer.write { db in try PinRecord(pinHash: pin, duressHash: duress, setAt: now).save(db) }
    }
}
