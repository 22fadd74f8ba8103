import Foundation
import GRDB
import MeetupCrypto
import MeetupProtocol

/// A row of `mailbox`: a mailbox this node hosts for one of its contacts (docs/PROTOCOL.md, "Mailboxes").
struct MailboxGrant: Equatable, Sendable, FetchableRecord, TableRecord {
    static let databaseTableName = "mailbox"

    var contactID: Int64
    var box: Data
    var grantedAt: Date
    var limits: MailboxLimits
    var lastFetchAt: Date?

    init(row: Row) {
        contactID = row["contact_id"]
        box = row["box"]
        grantedAt = row["granted_at"]
        limits = MailboxLimits(messages: row["message_limit"], bytes: row["byte_limit"], ttl: TimeInterval(row["ttl_seconds"] as Int))
        lastFetchAt = row["last_fetch_at"]
    }
}

/// A row of `mailbox_message`: an envelope deposited in a mailbox, sealed at rest, or (its bytes gone once
/// fetched) what remains so that the same bytes are not stored twice.
struct MailboxMessageRecord: FetchableRecord, TableRecord {
    static let databaseTableName = "mailbox_message"
    var id: Data
    var contactID: Int64
    var digest: Data
    var envelope: Data?
    var size: Int
    var depositedAt: Date
    var expiresAt: Date

    init(row: Row) {
        id = row["id"]
        contactID = row["contact_id"]
        digest = row["digest"]
        envelope = row["envelope"]
        size = row["size"]
        depositedAt = row["deposited_at"]
        expiresAt = row["expires_at"]
    }
}

/// What one mailbox may hold: messages and bytes waiting, and how long a message waits before it is dropped.
public struct MailboxLimits: Equatable, Sendable {
    public var messages: Int
    public var bytes: Int
    public var ttl: TimeInterval

    public init(messages: Int, bytes: Int, ttl: TimeInterval) {
        self.messages = messages
        self.bytes = bytes
        self.ttl = ttl
    }
}

/// What a deposit came to.
enum DepositOutcome: Equatable {
    /// Stored now, or stored before (the same bytes again): the times of the first deposit.
    case stored(depositedAt: Date, expiresAt: Date)
    /// Over the mailbox's limit: nothing is stored, nothing already stored is touched.
    case full(String)
}

extension Store {
    static func mailboxEnvelopeColumn(_ id: Data) -> SealedColumn {
        SealedColumn(table: "mailbox_message", column: "envelope", rowKey: id.hexString)
    }

    /// Grants `contact` a mailbox, or changes the limits of the one it has.
    func grantMailbox(contactID: Int64, box: Data, limits: MailboxLimits, at now: Date) throws -> MailboxGrant {
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO mailbox (contact_id, box, granted_at, message_limit, byte_limit, ttl_seconds) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (contact_id) DO UPDATE SET message_limit = excluded.message_limit, byte_limit = excluded.byte_limit,
                      ttl_seconds = excluded.ttl_seconds
                    """,
                arguments: [contactID, box, now, limits.messages, limits.bytes, Int(limits.ttl)])
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM mailbox WHERE contact_id = ?", arguments: [contactID]) else {
                throw StoreError.damagedRow(table: "mailbox", id: "\(contactID)")
            }
            return MailboxGrant(row: row)
        }
    }

    /// Ends the contact's mailbox, and drops what waits in it. False when it had none.
    func revokeMailbox(contactID: Int64) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM mailbox WHERE contact_id = ?", arguments: [contactID])
            return db.changesCount > 0
        }
    }

    /// The mailboxes this node hosts, with what waits in each (messages, bytes).
    func mailboxGrants() throws -> [(grant: MailboxGrant, name: String, messages: Int, bytes: Int)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT m.*, c.name AS name,
                  (SELECT COUNT(*) FROM mailbox_message w WHERE w.contact_id = m.contact_id AND w.envelope IS NOT NULL) AS messages,
                  (SELECT COALESCE(SUM(size), 0) FROM mailbox_message w WHERE w.contact_id = m.contact_id AND w.envelope IS NOT NULL) AS bytes
                FROM mailbox m JOIN contact c ON c.id = m.contact_id ORDER BY c.name
                """).map { row in (MailboxGrant(row: row), row["name"], row["messages"], row["bytes"]) }
        }
    }

    /// The mailbox whose box id is `box`.
    func mailbox(box: Data) throws -> MailboxGrant? {
        try readOne { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM mailbox WHERE box = ?"), arguments: [box]).map(MailboxGrant.init)
        }
    }

    /// The contact's mailbox.
    func mailbox(contactID: Int64) throws -> MailboxGrant? {
        try readOne { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM mailbox WHERE contact_id = ?"), arguments: [contactID])
                .map(MailboxGrant.init)
        }
    }

    /// Keeps `envelope` in the mailbox, committed before it returns, unless it would pass the mailbox's limits.
    /// The same bytes deposited again (a sender's retry, before or after the owner fetched them) are not
    /// stored twice: the first deposit's times are returned.
    func deposit(_ envelope: Data, in grant: MailboxGrant, id: Data, at now: Date) throws -> DepositOutcome {
        let digest = DepositReceipt.digest(of: envelope)
        let sealed = cipher.seal(envelope, for: Self.mailboxEnvelopeColumn(id))
        return try groupCommit.write { db in
            if let row = try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT deposited_at, expires_at FROM mailbox_message WHERE contact_id = ? AND digest = ? AND expires_at > ?
                    """),
                arguments: [grant.contactID, digest, now])
            {
                return .stored(depositedAt: row["deposited_at"], expiresAt: row["expires_at"])
            }
            let waiting = try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT COUNT(*) AS messages, COALESCE(SUM(size), 0) AS bytes FROM mailbox_message
                    WHERE contact_id = ? AND envelope IS NOT NULL AND expires_at > ?
                    """),
                arguments: [grant.contactID, now])
            let (messages, bytes): (Int, Int) = (waiting?["messages"] ?? 0, waiting?["bytes"] ?? 0)
            guard messages < grant.limits.messages else {
                return .full("the mailbox holds \(messages) messages, its limit")
            }
            guard bytes + envelope.count <= grant.limits.bytes else {
                return .full("the mailbox holds \(bytes) bytes; this envelope's \(envelope.count) would pass its limit of \(grant.limits.bytes)")
            }
            let expires = now.addingTimeInterval(grant.limits.ttl)
            // An expired row not purged yet gives way to the new deposit of the same bytes.
            try db.cachedStatement(sql: "DELETE FROM mailbox_message WHERE contact_id = ? AND digest = ?").execute(arguments: [grant.contactID, digest])
            try db.cachedStatement(sql: """
                INSERT INTO mailbox_message (id, contact_id, digest, envelope, size, deposited_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [id, grant.contactID, digest, sealed, envelope.count, now, expires])
            // What remains of fetched messages is bounded too: past four times the message limit, the oldest go
            // (a sender's retry of those is then kept again, and its owner answers it as a repeat).
            try db.cachedStatement(sql: """
                DELETE FROM mailbox_message WHERE id IN (
                  SELECT id FROM mailbox_message WHERE contact_id = ? AND envelope IS NULL ORDER BY deposited_at DESC LIMIT -1 OFFSET ?)
                """).execute(arguments: [grant.contactID, 4 * grant.limits.messages])
            return .stored(depositedAt: now, expiresAt: expires)
        }
    }

    /// The owner fetches: `delete` (ids it has processed) lose their bytes, keeping their digest so that a
    /// sender's retry is not stored again; `forget` (ids it refused for now) go, digest and all, so that a
    /// retry is; then the oldest waiting messages up to `limit` and `byteLimit` (at least one) are returned,
    /// with how many more wait.
    func fetchMailbox(
        _ grant: MailboxGrant, delete: [Data], forget: [Data], limit: Int, byteLimit: Int, at now: Date
    ) throws -> (messages: [MailboxBatch.Message], waiting: Int) {
        try groupCommit.write { db in
            for id in delete {
                try db.cachedStatement(sql: "UPDATE mailbox_message SET envelope = NULL WHERE id = ? AND contact_id = ?")
                    .execute(arguments: [id, grant.contactID])
            }
            for id in forget {
                try db.cachedStatement(sql: "DELETE FROM mailbox_message WHERE id = ? AND contact_id = ?").execute(arguments: [id, grant.contactID])
            }
            try db.cachedStatement(sql: "UPDATE mailbox SET last_fetch_at = ? WHERE contact_id = ?").execute(arguments: [now, grant.contactID])
            let rows = try MailboxMessageRecord.fetchAll(
                db.cachedStatement(sql: """
                    SELECT * FROM mailbox_message
                    WHERE contact_id = ? AND envelope IS NOT NULL AND expires_at > ? ORDER BY deposited_at, id LIMIT ?
                    """),
                arguments: [grant.contactID, now, limit])
            var messages: [MailboxBatch.Message] = []
            var bytes = 0
            for row in rows {
                guard messages.isEmpty || bytes + row.size <= byteLimit, let sealed = row.envelope else { break }
                let envelope = try cipher.open(sealed, for: Self.mailboxEnvelopeColumn(row.id))
                messages.append(MailboxBatch.Message(id: row.id, depositedAt: row.depositedAt, envelope: envelope))
                bytes += row.size
            }
            let total = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM mailbox_message WHERE contact_id = ? AND envelope IS NOT NULL AND expires_at > ?"),
                arguments: [grant.contactID, now]) ?? 0
            return (messages, total - messages.count)
        }
    }

    /// Whether anything waits in the mailbox now.
    func mailboxHasWaiting(_ grant: MailboxGrant, at now: Date) throws -> Bool {
        try readOne { db in
            try Bool.fetchOne(
                db.cachedStatement(sql: """
                    SELECT EXISTS (SELECT 1 FROM mailbox_message WHERE contact_id = ? AND envelope IS NOT NULL AND expires_at > ?)
                    """),
                arguments: [grant.contactID, now]) ?? false
        }
    }
}
