import CheckInCore
import Foundation
import GRDB
import MeetupCrypto
import MeetupProtocol

/// A row of `contact`: a person this node alerts and hears from.
struct ContactRecord: Equatable {
    var id: Int64
    var name: String
    var signingKey: SigningPublicKey
    var sealingKey: SealingPublicKey
    var tier: Int
    var guardian: Bool
    var verifiedAt: Date?
    var addedAt: Date

    init(row: Row) throws {
        id = row["id"]
        name = row["name"]
        do {
            signingKey = try SigningPublicKey(bytes: row["signing_key"] as Data)
            sealingKey = try SealingPublicKey(bytes: row["sealing_key"] as Data)
        } catch {
            throw StoreError.damagedRow(table: "contact", id: "\(id)")
        }
        tier = row["tier"]
        guardian = row["guardian"]
        verifiedAt = row["verified_at"]
        addedAt = row["added_at"]
    }

    static let columns = "id, name, signing_key, sealing_key, tier, guardian, verified_at, added_at"
}

/// Why a contact could not be added.
enum ContactConflict: Error, Equatable {
    case nameTaken(String)
    case keyKnown(asName: String)
}

extension Store {
    static func cardColumn(_ signingKey: SigningPublicKey) -> SealedColumn {
        SealedColumn(table: "contact", column: "card", rowKey: signingKey.bytes.hexString)
    }

    func insertContact(_ card: ContactCard, name: String, tier: Int, guardian: Bool, at now: Date) throws -> ContactRecord {
        let sealedCard = cipher.seal(Data(card.text.utf8), for: Self.cardColumn(card.signingKey))
        return try writer.write { db in
            if let existing = try String.fetchOne(
                db, sql: "SELECT name FROM contact WHERE signing_key = ?", arguments: [card.signingKey.bytes])
            {
                throw ContactConflict.keyKnown(asName: existing)
            }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM contact WHERE name = ?", arguments: [name]) == true {
                throw ContactConflict.nameTaken(name)
            }
            try db.execute(
                sql: """
                    INSERT INTO contact (name, signing_key, sealing_key, tier, guardian, added_at, card)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [name, card.signingKey.bytes, card.sealingKey.bytes, tier, guardian, now, sealedCard])
            return try contact(db, sql: "id = ?", db.lastInsertedRowID)!
        }
    }

    func contacts() throws -> [ContactRecord] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT \(ContactRecord.columns) FROM contact ORDER BY tier, name").map(ContactRecord.init)
        }
    }

    func contact(named name: String) throws -> ContactRecord? {
        try writer.read { db in try contact(db, sql: "name = ?", name) }
    }

    func contact(signingKey: SigningPublicKey) throws -> ContactRecord? {
        try writer.read { db in try contact(db, sql: "signing_key = ?", signingKey.bytes) }
    }

    func contact(id: Int64) throws -> ContactRecord? {
        try writer.read { db in try contact(db, id: id) }
    }

    func contact(_ db: Database, id: Int64) throws -> ContactRecord? {
        try contact(db, sql: "id = ?", id)
    }

    /// The contact's card, opened: its endpoints and name hint.
    func card(of contact: ContactRecord) throws -> ContactCard {
        try writer.read { db in try card(db, of: contact) }
    }

    func card(_ db: Database, of contact: ContactRecord) throws -> ContactCard {
        let sealed = try Data.fetchOne(db, sql: "SELECT card FROM contact WHERE id = ?", arguments: [contact.id])
        guard let sealed else { throw StoreError.damagedRow(table: "contact", id: "\(contact.id)") }
        let text = String(decoding: try cipher.open(sealed, for: Self.cardColumn(contact.signingKey)), as: UTF8.self)
        do { return try ContactCard(parsing: text) } catch { throw StoreError.damagedRow(table: "contact", id: "\(contact.id)") }
    }

    func markVerified(contactID: Int64, at now: Date) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE contact SET verified_at = ? WHERE id = ?", arguments: [now, contactID])
        }
    }

    /// Removes the contact, unless a running plan names it: then nothing changes and the plans are returned.
    /// Queued envelopes to a removed contact are cancelled; alerts received from it are kept.
    func removeContact(id: Int64) throws -> [String] {
        try writer.write { db in
            let ended = Phase.allCases.filter(\.isEnded).map(\.rawValue)
            let running = try PlanRecord.filter(!ended.contains(PlanRecord.Columns.phase)).fetchAll(db)
                .filter { try $0.openDetails(with: cipher).recipients?.contains(id) == true }
                .map(\.id)
            guard running.isEmpty else { return running }
            try db.execute(
                sql: "UPDATE outbox SET state = 'cancelled', next_attempt_at = NULL WHERE contact_id = ? AND state = 'queued'",
                arguments: [id])
            try db.execute(sql: "DELETE FROM contact WHERE id = ?", arguments: [id])
            return []
        }
    }

    private func contact(_ db: Database, sql condition: String, _ argument: some DatabaseValueConvertible) throws -> ContactRecord? {
        try Row.fetchOne(db, sql: "SELECT \(ContactRecord.columns) FROM contact WHERE \(condition)", arguments: [argument])
            .map(ContactRecord.init)
    }
}
