import CheckInCore
import Foundation
import GRDB
import MeetupControl

/// Retention (docs/ARCHITECTURE.md, "Retention"): what this node no longer needs is deleted, and with
/// `secure_delete` on and the WAL truncated afterwards, leaves no bytes behind in the database files.
extension Store {
    /// Deletes, in one transaction: plans ended before `cutoff` (with their trail, history, photo, alerts
    /// and notices, by cascade), and envelopes no longer queued (or expired by `now`) whose plan is gone and
    /// that were last touched before `cutoff`; received alerts acknowledged, and a guardian's tombstones of
    /// plans ended, before `dedupeCutoff`: both make a late copy of an envelope harmless (not shown twice,
    /// not reviving a plan), so they stay while such a copy could still arrive. Then checkpoints the
    /// WAL into the database and truncates it.
    func purge(now: Date, before cutoff: Date, dedupeBefore dedupeCutoff: Date) throws -> PurgeResult {
        let result = try writer.write { db in
            let plans = try PlanRecord.all().filter(Phase.allCases.filter(\.isEnded).contains(PlanRecord.Columns.phase))
                .filter((PlanRecord.Columns.endedAt ?? PlanRecord.Columns.createdAt) < cutoff).deleteAll(db)
            let outbox = OutboxRecord.Columns.self
            let plansLeft = PlanRecord.select(PlanRecord.Columns.id)
            try OutboxRecord
                .filter(outbox.state != OutboxState.queued || outbox.expiresAt <= now)
                .filter((outbox.ackedAt ?? outbox.deliveredAt ?? outbox.nextAttemptAt ?? outbox.createdAt) < cutoff)
                .filter(outbox.planID == nil || !plansLeft.contains(outbox.planID))
                .deleteAll(db)
            let receivedAlerts = try ReceivedAlertRecord.filter(ReceivedAlertRecord.Columns.ackedAt < dedupeCutoff).deleteAll(db)
            let watches = try WatchRecord.filter(WatchRecord.Columns.phase == WatchRecord.Phase.ended)
                .filter(WatchRecord.Columns.receivedAt < dedupeCutoff).deleteAll(db)
            // As a mailbox host: what waited past its mailbox's time to live, and what remains of fetched messages.
            try db.execute(sql: "DELETE FROM mailbox_message WHERE expires_at <= ?", arguments: [now])
            return PurgeResult(plans: plans, receivedAlerts: receivedAlerts, watches: watches)
        }
        try checkpoint()
        return result
    }

    /// Copies the WAL into the database file and empties it, so that deleted rows' old pages are gone.
    func checkpoint() throws {
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    }
}
