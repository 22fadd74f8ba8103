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
        let ended = Phase.allCases.filter(\.isEnded).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let result = try writer.write { db in
            try db.execute(
                sql: "DELETE FROM plan WHERE phase IN (\(ended)) AND COALESCE(ended_at, created_at) < ?", arguments: [cutoff])
            let plans = db.changesCount
            try db.execute(
                sql: """
                    DELETE FROM outbox
                    WHERE (state != 'queued' OR expires_at <= ?)
                      AND COALESCE(acked_at, delivered_at, next_attempt_at, created_at) < ?
                      AND (plan_id IS NULL OR plan_id NOT IN (SELECT id FROM plan))
                    """,
                arguments: [now, cutoff])
            try db.execute(sql: "DELETE FROM received_alert WHERE acked_at < ?", arguments: [dedupeCutoff])
            let receivedAlerts = db.changesCount
            try db.execute(
                sql: "DELETE FROM watch WHERE phase = 'ended' AND received_at < ?", arguments: [dedupeCutoff])
            let watches = db.changesCount
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
