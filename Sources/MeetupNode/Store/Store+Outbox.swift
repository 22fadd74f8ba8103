import CheckInCore
import Foundation
import GRDB
import MeetupProtocol

/// An envelope to put in the outbox.
struct OutboxEntry {
    var envelopeID: Data
    var contact: ContactRecord
    var type: MessageType
    var planID: String?
    var alertID: String?
    var sealed: Data
    var createdAt: Date
    var expiresAt: Date
    var nextAttemptAt: Date
    /// For an alert's copy: the alert's revision it carries.
    var revision = 0
}

/// An outbox row due for an attempt.
struct DueEnvelope: Sendable {
    var seq: Int64
    var envelopeID: Data
    /// The recipient: a contact, or, for a guardian's relayed alert, the card of someone who is not one.
    var contactID: Int64?
    var card: ContactCard?
    var type: String
    var sealed: Data
    var attempts: Int
    var createdAt: Date
    /// A copy of a silent alert, or a message to guardians (whose absence under duress must not show):
    /// delivered without a log line on the user's device.
    var silent: Bool
}

extension Store {
    /// The contacts that must not get `revision` of the alert: a tier-2 contact whose copy a tier-1 ack
    /// cancelled, and one that already has this revision queued (two presses fanned out together).
    func alertCopiesToSkip(_ db: Database, alertID: String, revision: Int) throws -> Set<Int64> {
        Set(try Int64.fetchAll(
            db,
            sql: """
                SELECT contact_id FROM outbox WHERE alert_id = ? AND type = 'alert' AND contact_id IS NOT NULL
                  AND (state = 'cancelled' OR revision = ?)
                """,
            arguments: [alertID, revision]))
    }

    /// The contacts an alert of the plan was queued for and not cancelled: who hears that it is over.
    func alertedContacts(_ db: Database, planID: String) throws -> [Int64] {
        try Int64.fetchAll(
            db,
            sql: """
                SELECT DISTINCT contact_id FROM outbox
                WHERE plan_id = ? AND type = 'alert' AND state != 'cancelled' AND contact_id IS NOT NULL
                """,
            arguments: [planID])
    }

    /// The plan's tier-2 alert copies still waiting to escalate are cancelled: the user is no longer missing.
    func cancelWaitingTierTwo(_ db: Database, planID: String, at now: Date) throws {
        try db.execute(
            sql: """
                UPDATE outbox SET state = 'cancelled', next_attempt_at = NULL
                WHERE plan_id = ? AND type = 'alert' AND tier = 2 AND state = 'queued' AND attempts = 0
                  AND next_attempt_at > ?
                """,
            arguments: [planID, now])
    }

    static func outboxCardColumn(_ envelopeID: Data) -> SealedColumn {
        SealedColumn(table: "outbox", column: "card", rowKey: envelopeID.hexString)
    }

    private func outboxCard(_ sealed: Data, envelopeID: Data, seq: Int64) throws -> ContactCard {
        guard let card = try? ContactCard(
            parsing: String(decoding: try cipher.open(sealed, for: Self.outboxCardColumn(envelopeID)), as: UTF8.self))
        else { throw StoreError.damagedRow(table: "outbox", id: "\(seq)") }
        return card
    }

    /// An envelope to someone who is not a contact, reached through their card.
    func insertOutbox(_ db: Database, card relay: CardEnvelope, planID: String, now: Date) throws {
        let sealedCard = cipher.seal(Data(relay.card.text.utf8), for: Self.outboxCardColumn(relay.id))
        try db.execute(
            sql: """
                INSERT INTO outbox (envelope_id, contact_id, contact_name, tier, type, plan_id, envelope, card,
                                    created_at, expires_at, state, next_attempt_at)
                VALUES (?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?)
                """,
            arguments: [
                relay.id, relay.name, relay.tier, relay.type.description, planID, relay.sealed, sealedCard, now, relay.expires,
                relay.notBefore,
            ])
    }

    func insertOutbox(_ db: Database, _ entry: OutboxEntry) throws {
        try db.execute(
            sql: """
                INSERT INTO outbox (envelope_id, contact_id, contact_name, tier, type, plan_id, alert_id, envelope,
                                    created_at, expires_at, state, next_attempt_at, revision)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)
                """,
            arguments: [
                entry.envelopeID, entry.contact.id, entry.contact.name, entry.contact.tier, entry.type.description,
                entry.planID, entry.alertID, entry.sealed, entry.createdAt, entry.expiresAt, entry.nextAttemptAt,
                entry.revision,
            ])
    }

    /// Marks expired rows, then returns up to `limit` rows due by `now`. A non-alert envelope waits for the
    /// alert envelopes queued before it to the same contact, so "resolved" never overtakes its alert.
    /// Picked rows are leased: not due again for `lease` seconds, unless their attempt reschedules them.
    func dueEnvelopes(now: Date, limit: Int, lease: TimeInterval) throws -> [DueEnvelope] {
        try writer.write { db in
            try db.execute(
                sql: "UPDATE outbox SET state = 'expired', next_attempt_at = NULL WHERE state = 'queued' AND expires_at <= ?",
                arguments: [now])
            try db.execute(sql: "DELETE FROM seen_envelope WHERE expires_at <= ?", arguments: [now])
            let due = try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, envelope_id, contact_id, card, type, envelope, attempts, created_at,
                      \(Self.silentEnvelope) AS silent
                    FROM outbox o
                    WHERE next_attempt_at <= ? AND \(Self.sendableEnvelope)
                    ORDER BY next_attempt_at LIMIT ?
                    """,
                arguments: [now, limit]
            ).map { row in
                let seq: Int64 = row["seq"]
                return DueEnvelope(
                    seq: seq, envelopeID: row["envelope_id"], contactID: row["contact_id"],
                    card: try (row["card"] as Data?).map { try outboxCard($0, envelopeID: row["envelope_id"], seq: seq) },
                    type: row["type"],
                    sealed: row["envelope"], attempts: row["attempts"], createdAt: row["created_at"], silent: row["silent"])
            }
            for envelope in due {
                try db.execute(
                    sql: "UPDATE outbox SET next_attempt_at = ? WHERE seq = ?",
                    arguments: [now.addingTimeInterval(lease), envelope.seq])
            }
            return due
        }
    }

    /// Whether the outbox row `o` may be attempted: queued, with somewhere to go, and, unless it is an alert,
    /// behind no alert queued before it to the same contact ("alerts first": a "resolved" never overtakes
    /// its alert).
    static let sendableEnvelope = """
        o.state = 'queued' AND (o.contact_id IS NOT NULL OR o.card IS NOT NULL)
          AND NOT (o.type != 'alert' AND EXISTS (
            SELECT 1 FROM outbox a WHERE a.contact_id = o.contact_id AND a.type = 'alert'
              AND a.state = 'queued' AND a.seq < o.seq))
        """

    /// Makes every queued envelope due at `now`, except tier-2 copies still waiting to escalate.
    func rescheduleQueued(at now: Date) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET next_attempt_at = ?
                    WHERE state = 'queued' AND next_attempt_at > ? AND NOT (type = 'alert' AND tier = 2 AND attempts = 0)
                    """,
                arguments: [now, now])
        }
    }

    /// The next instant the outbox must look again: the earliest attempt of a row not held back by the
    /// ordering rule, or the expiry of a queued alert copy (which may release the rows behind it).
    func earliestAttempt() throws -> Date? {
        try writer.read { db in
            let attempt = try Date.fetchOne(
                db,
                sql: """
                    SELECT MIN(next_attempt_at) FROM outbox o WHERE \(Self.sendableEnvelope)
                    """)
            let expiry = try Date.fetchOne(db, sql: "SELECT MIN(expires_at) FROM outbox WHERE state = 'queued' AND type = 'alert'")
            return [attempt, expiry].compactMap { $0 }.min()
        }
    }

    /// A receipt is proof: it also turns a copy cancelled while its attempt was in flight into delivered.
    func markDelivered(seq: Int64, at now: Date) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET state = 'delivered', delivered_at = ?, next_attempt_at = NULL,
                      attempts = attempts + 1, last_error = NULL
                    WHERE seq = ? AND state IN ('queued', 'cancelled')
                    """,
                arguments: [now, seq])
        }
    }

    /// Whether the outbox row `o` is a copy of a silent alert or a message to guardians: nothing on the user's
    /// device (log, status, health, metrics) shows it, as under duress their presence or absence would tell.
    static let silentEnvelope =
        "(COALESCE((SELECT silent FROM alert WHERE alert.id = o.alert_id), 0) OR o.type IN ('replica', 'heartbeat', 'stand-down'))"

    /// A failed attempt: try again at `next`, or give up (`next` nil) as `failed`.
    func markAttemptFailed(seq: Int64, next: Date?, error: String) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
                      state = CASE WHEN ? IS NULL THEN 'failed' ELSE state END
                    WHERE seq = ? AND state = 'queued'
                    """,
                arguments: [error, next, next, seq])
        }
    }

    /// A contact acknowledged an alert: its copies are acked, the first one delivered (the contact read it),
    /// and when the contact is tier 1, tier-2 copies still waiting to escalate are cancelled. An update still
    /// queued is not taken as delivered: the ack may predate it. False when no copy of the alert went to it.
    func recordAck(_ db: Database, alertID: String, contactID: Int64, at now: Date) throws -> Bool {
        let first = "(SELECT MIN(revision) FROM outbox WHERE alert_id = ?1 AND contact_id = ?2 AND type = 'alert')"
        try db.execute(
            sql: """
                UPDATE outbox SET acked_at = COALESCE(acked_at, ?3),
                  delivered_at = CASE WHEN revision = \(first) THEN COALESCE(delivered_at, ?3) ELSE delivered_at END,
                  state = CASE WHEN state = 'queued' AND revision = \(first) THEN 'delivered' ELSE state END,
                  next_attempt_at = CASE WHEN state = 'queued' AND revision = \(first) THEN NULL ELSE next_attempt_at END
                WHERE alert_id = ?1 AND contact_id = ?2 AND type = 'alert'
                """,
            arguments: [alertID, contactID, now])
        guard db.changesCount > 0 else { return false }
        let tier = try Int.fetchOne(
            db, sql: "SELECT tier FROM outbox WHERE alert_id = ? AND contact_id = ? AND type = 'alert' LIMIT 1",
            arguments: [alertID, contactID])
        if tier == 1 {
            try db.execute(
                sql: """
                    UPDATE outbox SET state = 'cancelled', next_attempt_at = NULL
                    WHERE alert_id = ? AND type = 'alert' AND tier = 2 AND state = 'queued' AND attempts = 0
                    """,
                arguments: [alertID])
        }
        return true
    }
}
