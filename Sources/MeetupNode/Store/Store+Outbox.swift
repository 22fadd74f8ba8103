import CheckInCore
import Foundation
import GRDB
import MeetupCrypto
import MeetupProtocol

/// An envelope to put in the outbox, for a contact.
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
    var type: MessageType
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
    /// Once per alert fanned out: a statement prepared once per connection.
    func alertCopiesToSkip(_ db: Database, alertID: String, revision: Int) throws -> Set<Int64> {
        Set(try Int64.fetchAll(
            db.cachedStatement(sql: """
                SELECT contact_id FROM outbox WHERE alert_id = ? AND type = 'alert' AND contact_id IS NOT NULL
                  AND (state = 'cancelled' OR revision = ?)
                """),
            arguments: [alertID, revision]))
    }

    /// The contacts an alert of the plan was queued for and not cancelled: who hears that it is over.
    func alertedContacts(_ db: Database, planID: String) throws -> [Int64] {
        let columns = OutboxRecord.Columns.self
        return try OutboxRecord.all().ofPlan(planID).ofType(.alert)
            .filter(columns.state != OutboxState.cancelled && columns.contactID != nil)
            .select(columns.contactID, as: Int64.self).distinct().fetchAll(db)
    }

    /// The contacts with a copy of the alert delivered or still on its way, but `excluding`: who hears that
    /// another contact acknowledged it.
    func alertCopyHolders(_ db: Database, alertID: String, excluding contactID: Int64) throws -> [ContactRecord] {
        let columns = OutboxRecord.Columns.self
        let ids = try OutboxRecord.all().copies(of: alertID)
            .filter([OutboxState.queued, OutboxState.delivered].contains(columns.state))
            .filter(columns.contactID != nil && columns.contactID != contactID)
            .select(columns.contactID, as: Int64.self).distinct().fetchAll(db)
        return try ids.compactMap { try contact(db, id: $0) }
    }

    /// The plan's tier-2 alert copies still waiting to escalate are cancelled: the user is no longer missing.
    func cancelWaitingTierTwo(_ db: Database, planID: String, at now: Date) throws {
        try OutboxRecord.all().ofPlan(planID).ofType(.alert).tierTwoNotAttempted()
            .filter(OutboxRecord.Columns.nextAttemptAt > now).cancel(db)
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
    func insertOutbox(_ db: Database, card relay: CardEnvelope, planID: String?, now: Date) throws {
        let record = OutboxRecord(
            envelopeID: relay.id, contactID: nil, contactName: relay.name, tier: relay.tier, type: relay.type, planID: planID,
            alertID: nil, envelope: relay.sealed, card: cipher.seal(Data(relay.card.text.utf8), for: Self.outboxCardColumn(relay.id)),
            createdAt: now, expiresAt: relay.expires, nextAttemptAt: relay.notBefore, revision: 0)
        try Self.insertRow(record, db)
    }

    func insertOutbox(_ db: Database, _ entry: OutboxEntry) throws {
        let record = OutboxRecord(
            envelopeID: entry.envelopeID, contactID: entry.contact.id, contactName: entry.contact.name, tier: entry.contact.tier,
            type: entry.type, planID: entry.planID, alertID: entry.alertID, envelope: entry.sealed, card: nil,
            createdAt: entry.createdAt, expiresAt: entry.expiresAt, nextAttemptAt: entry.nextAttemptAt, revision: entry.revision)
        try Self.insertRow(record, db)
    }

    /// Marks expired rows, then returns up to `limit` rows due by `now`, oldest due first, so that no contact
    /// has more than `perRecipient` under way, counting the attempts `underWay` already: one slow contact
    /// never takes every slot. A non-alert envelope waits for the alert envelopes queued before it to the
    /// same contact, so "resolved" never overtakes its alert. Picked rows are leased, in one statement: not due again for `lease` seconds,
    /// unless their attempt reschedules them.
    func dueEnvelopes(
        now: Date, limit: Int, perRecipient: Int = .max, underWay: [Int64: Int] = [:], lease: TimeInterval
    ) throws -> [DueEnvelope] {
        let columns = OutboxRecord.Columns.self
        return try writer.write { db in
            try OutboxRecord.all().queued().filter(columns.expiresAt <= now)
                .updateAll(db, columns.state.set(to: OutboxState.expired), columns.nextAttemptAt.set(to: nil))
            try SeenEnvelopeRecord.expired(by: now).deleteAll(db)
            // First the candidates, in the order of the `outbox_due` index and without their bytes: a few
            // passes' worth, so that one contact's share leaves room for the others behind it. A row to a
            // card (no contact) is its own recipient.
            let saturated = underWay.filter { $0.value >= perRecipient }.keys.sorted()
            let candidates = try Row.fetchAll(
                db.cachedStatement(sql: Self.dueCandidates(saturated: saturated.count)),
                arguments: [now] + StatementArguments(saturated) + [min(limit, 1 << 16) * 4])
            var shares = underWay
            var picked: [Int64] = []
            for candidate in candidates where picked.count < limit {
                if let contact = candidate["contact_id"] as Int64? {
                    guard shares[contact, default: 0] < perRecipient else { continue }
                    shares[contact, default: 0] += 1
                }
                picked.append(candidate["seq"])
            }
            guard !picked.isEmpty else { return [] }
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT o.*, \(Self.silentEnvelope) AS silent FROM outbox o
                    WHERE o.seq IN (\(databaseQuestionMarks(count: picked.count))) ORDER BY o.next_attempt_at, o.seq
                    """,
                arguments: StatementArguments(picked))
            let due = try rows.map { row in
                let record = try OutboxRecord(row: row)
                let seq = record.seq ?? 0
                return DueEnvelope(
                    seq: seq, envelopeID: record.envelopeID, contactID: record.contactID,
                    card: try record.card.map { try outboxCard($0, envelopeID: record.envelopeID, seq: seq) },
                    type: record.type, sealed: record.envelope, attempts: record.attempts, createdAt: record.createdAt,
                    silent: row["silent"])
            }
            try OutboxRecord.filter(keys: picked).updateAll(db, columns.nextAttemptAt.set(to: now.addingTimeInterval(lease)))
            return due
        }
    }

    /// The rows `dueEnvelopes` chooses from: seq and contact of due, sendable rows, oldest due first, none to
    /// the `saturated` contacts (as many placeholders), then the limit.
    static func dueCandidates(saturated: Int) -> String {
        let skipped = saturated == 0 ? "" : "AND (o.contact_id IS NULL OR o.contact_id NOT IN (\(databaseQuestionMarks(count: saturated))))"
        return """
            SELECT o.seq, o.contact_id FROM outbox o
            WHERE o.next_attempt_at <= ? AND \(sendableEnvelope) \(skipped)
            ORDER BY o.next_attempt_at, o.seq LIMIT ?
            """
    }

    /// Whether the outbox row `o` may be attempted: queued, with somewhere to go, and, unless it is an alert,
    /// behind no alert queued before it to the same contact ("alerts first": a "resolved" never overtakes
    /// its alert). An alert stored at a mailbox holds the rest back too, until its recipient's own receipt:
    /// what follows may reach the recipient's own endpoint before the mailbox is fetched.
    static let sendableEnvelope = """
        o.state = 'queued' AND (o.contact_id IS NOT NULL OR o.card IS NOT NULL)
          AND NOT (o.type != 'alert' AND EXISTS (
            SELECT 1 FROM outbox a WHERE a.contact_id = o.contact_id AND a.type = 'alert'
              AND a.state = 'queued' AND a.seq < o.seq))
        """

    /// Makes every queued envelope due at `now`, except tier-2 copies still waiting to escalate.
    func rescheduleQueued(at now: Date) throws {
        let columns = OutboxRecord.Columns.self
        _ = try writer.write { db in
            try OutboxRecord.all().queued()
                .filter(columns.nextAttemptAt > now && !(columns.type == MessageType.alert && columns.tier == 2 && columns.attempts == 0))
                .updateAll(db, columns.nextAttemptAt.set(to: now))
        }
    }

    /// The next instant the outbox must look again: the earliest attempt of a row not held back by the
    /// ordering rule, or the expiry of a queued alert copy (which may release the rows behind it).
    func earliestAttempt() throws -> Date? {
        try writer.read { db in
            let attempt = try Date.fetchOne(db.cachedStatement(sql: Self.earliestAttemptSQL))
            let expiry = try Date.fetchOne(db.cachedStatement(sql: Self.earliestExpirySQL))
            return [attempt, expiry].compactMap { $0 }.min()
        }
    }

    /// The courier asks after every pass when to wake: by statements prepared once. In the order of the
    /// `outbox_due` index, to the first row the ordering rule lets through.
    static let earliestAttemptSQL = """
        SELECT o.next_attempt_at FROM outbox o WHERE o.next_attempt_at IS NOT NULL AND \(sendableEnvelope)
        ORDER BY o.next_attempt_at LIMIT 1
        """
    /// The first queued alert to expire (it is then marked failed), on the `outbox_expiry` index.
    static let earliestExpirySQL = "SELECT expires_at FROM outbox WHERE state = 'queued' AND type = 'alert' ORDER BY expires_at LIMIT 1"

    /// Whether the contact acknowledged the alert before: an ack repeated (a new envelope) is not relayed again.
    func hasAcked(_ db: Database, alertID: String, contactID: Int64) throws -> Bool {
        try OutboxRecord.all().copies(of: alertID).toContact(contactID).filter(OutboxRecord.Columns.ackedAt != nil).fetchCount(db) > 0
    }

    /// A receipt is proof: it also turns a copy cancelled while its attempt was in flight into delivered.
    func markDelivered(seq: Int64, at now: Date) throws {
        // Receipts come back in bursts: their outcomes commit together, each by a statement prepared once.
        try groupCommit.write { db in try markDelivered(db, seq: seq, at: now) }
    }

    private func markDelivered(_ db: Database, seq: Int64, at now: Date) throws {
        try db.cachedStatement(sql: """
            UPDATE outbox SET state = ?, delivered_at = ?, next_attempt_at = NULL, attempts = attempts + 1, last_error = NULL
            WHERE seq = ? AND state IN (?, ?)
            """).execute(arguments: [OutboxState.delivered, now, seq, OutboxState.queued, OutboxState.cancelled])
    }

    /// A receipt that came as an envelope of its own (the recipient fetched the envelope from a mailbox): the
    /// envelope `envelopeID` is delivered if it was sent to `recipient`'s key. False when it was not.
    @discardableResult
    func markDelivered(_ db: Database, envelopeID: Data, to recipient: SigningPublicKey, at now: Date) throws -> Bool {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT seq, contact_id, card FROM outbox WHERE envelope_id = ?"), arguments: [envelopeID])
        else { return false }
        let seq: Int64 = row["seq"]
        let key: SigningPublicKey? = if let contactID = row["contact_id"] as Int64? {
            try contact(db, id: contactID)?.signingKey
        } else if let card = row["card"] as Data? {
            try outboxCard(card, envelopeID: envelopeID, seq: seq).signingKey
        } else {
            nil
        }
        guard key == recipient else { return false }
        try markDelivered(db, seq: seq, at: now)
        return true
    }

    /// The card of the envelope `envelopeID`, when it went to `recipient` known only by its card.
    func outboxCard(envelopeID: Data, sentTo recipient: SigningPublicKey) throws -> ContactCard? {
        try readOne { db in
            guard let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT seq, card FROM outbox WHERE envelope_id = ? AND card IS NOT NULL"), arguments: [envelopeID])
            else { return nil }
            let card = try outboxCard(row["card"], envelopeID: envelopeID, seq: row["seq"])
            return card.signingKey == recipient ? card : nil
        }
    }

    /// Whether the outbox row `o` is a copy of a silent alert or a message to guardians: nothing on the user's
    /// device (log, status, health, metrics) shows it, as under duress their presence or absence would tell.
    static let silentEnvelope =
        "(COALESCE((SELECT silent FROM alert WHERE alert.id = o.alert_id), 0) OR o.type IN ('replica', 'heartbeat', 'stand-down'))"

    /// A mailbox host signed that it keeps the envelope: `stored`, tried again at `next` (its recipient's own
    /// endpoint may answer by then; the host answers a repeat with the same receipt) until the recipient's
    /// receipt comes back. A reply (a receipt, a liveness statement) is done once stored: nothing answers it.
    func markStored(seq: Int64, deposit: Data, reply: Bool, next: Date, at now: Date) throws {
        try groupCommit.write { db in
            if reply {
                try markDelivered(db, seq: seq, at: now)
                return
            }
            try db.cachedStatement(sql: """
                UPDATE outbox SET stored_at = COALESCE(stored_at, ?), deposit = COALESCE(deposit, ?), attempts = attempts + 1,
                  last_error = NULL, next_attempt_at = ? WHERE seq = ? AND state = ?
                """).execute(arguments: [now, deposit, next, seq, OutboxState.queued])
        }
    }

    /// A failed attempt: try again at `next`, or give up (`next` nil) as `failed`.
    func markAttemptFailed(seq: Int64, next: Date?, error: String) throws {
        let columns = OutboxRecord.Columns.self
        try groupCommit.write { db in
            var assignments = [columns.attempts += 1, columns.lastError.set(to: error), columns.nextAttemptAt.set(to: next)]
            if next == nil { assignments.append(columns.state.set(to: OutboxState.failed)) }
            try OutboxRecord.filter(key: seq).queued().updateAll(db, assignments)
        }
    }

    /// A contact acknowledged an alert: its copies are acked, the first one delivered (the contact read it),
    /// and when the contact is tier 1, tier-2 copies still waiting to escalate are cancelled. An update still
    /// queued is not taken as delivered: the ack may predate it. False when no copy of the alert went to it.
    func recordAck(_ db: Database, alertID: String, contactID: Int64, at now: Date) throws -> Bool {
        let columns = OutboxRecord.Columns.self
        let copies = OutboxRecord.all().copies(of: alertID).toContact(contactID)
        guard let first = try copies.select(min(columns.revision), as: Int?.self).fetchOne(db) ?? nil else { return false }
        try copies.updateAll(db, columns.ackedAt.set(to: columns.ackedAt ?? now))
        try copies.filter(columns.revision == first)
            .updateAll(db, columns.deliveredAt.set(to: columns.deliveredAt ?? now))
        try copies.filter(columns.revision == first).queued()
            .updateAll(db, columns.state.set(to: OutboxState.delivered), columns.nextAttemptAt.set(to: nil))
        let tier = try copies.select(columns.tier, as: Int.self).fetchOne(db)
        if tier == 1 {
            try OutboxRecord.all().copies(of: alertID).tierTwoNotAttempted().cancel(db)
        }
        return true
    }
}
