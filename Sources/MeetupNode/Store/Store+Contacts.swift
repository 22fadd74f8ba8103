import CheckInCore
import Foundation
import GRDB
import MeetupCrypto
import MeetupProtocol

/// A row of `contact`: a person this node alerts and hears from. Keys and names in clear (every envelope is
/// looked up by its sender's key); the card, with its endpoints, sealed and read only through `Store.card(of:)`.
struct ContactRecord: Equatable, FetchableRecord, TableRecord {
    static let databaseTableName = "contact"
    /// Everything but the sealed card.
    static var databaseSelection: [any SQLSelectable] { columns }
    private static let columns = [
        Columns.id, Columns.name, Columns.signingKey, Columns.sealingKey, Columns.tier, Columns.guardian, Columns.verifiedAt,
        Columns.addedAt,
    ]
    /// The same, as SQL, for `Store.fetchOne`.
    static let selectedColumns = columns.map(\.name).joined(separator: ", ")

    var id: Int64
    var name: String
    var signingKey: SigningPublicKey
    var sealingKey: SealingPublicKey
    var tier: Int
    var guardian: Bool
    var verifiedAt: Date?
    var addedAt: Date

    enum Columns {
        static let id = Column("id")
        static let name = Column("name")
        static let signingKey = Column("signing_key")
        static let sealingKey = Column("sealing_key")
        static let tier = Column("tier")
        static let guardian = Column("guardian")
        static let verifiedAt = Column("verified_at")
        static let addedAt = Column("added_at")
        static let card = Column("card")
    }

    init(row: Row) throws {
        id = row[Columns.id]
        name = row[Columns.name]
        do {
            signingKey = try SigningPublicKey(bytes: row[Columns.signingKey] as Data)
            sealingKey = try SealingPublicKey(bytes: row[Columns.sealingKey] as Data)
        } catch {
            throw StoreError.damagedRow(table: "contact", id: "\(id)")
        }
        tier = row[Columns.tier]
        guardian = row[Columns.guardian]
        verifiedAt = row[Columns.verifiedAt]
        addedAt = row[Columns.addedAt]
    }

    /// A contact to insert: the database gives it its id (`insertAndFetch(_:as: ContactRecord.self)`).
    struct Draft: PersistableRecord {
        static let databaseTableName = ContactRecord.databaseTableName
        var card: ContactCard
        var name: String
        var tier: Int
        var guardian: Bool
        var addedAt: Date
        /// The card's text, sealed under `Store.cardColumn(card.signingKey)`.
        var sealedCard: Data

        func encode(to container: inout PersistenceContainer) {
            container[ContactRecord.Columns.name] = name
            container[ContactRecord.Columns.signingKey] = card.signingKey.bytes
            container[ContactRecord.Columns.sealingKey] = card.sealingKey.bytes
            container[ContactRecord.Columns.tier] = tier
            container[ContactRecord.Columns.guardian] = guardian
            container[ContactRecord.Columns.addedAt] = addedAt
            container[ContactRecord.Columns.card] = sealedCard
        }
    }
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
        let draft = ContactRecord.Draft(
            card: card, name: name, tier: tier, guardian: guardian, addedAt: now,
            sealedCard: cipher.seal(Data(card.text.utf8), for: Self.cardColumn(card.signingKey)))
        return try writer.write { db in
            if let existing = try contact(db, signingKey: card.signingKey.bytes) { throw ContactConflict.keyKnown(asName: existing.name) }
            if try ContactRecord.filter(ContactRecord.Columns.name == name).fetchCount(db) > 0 { throw ContactConflict.nameTaken(name) }
            return try draft.insertAndFetch(db, as: ContactRecord.self)
        }
    }

    func contacts() throws -> [ContactRecord] {
        try readOne { db in
            try ContactRecord.fetchAll(db.cachedStatement(sql: "SELECT \(ContactRecord.selectedColumns) FROM contact ORDER BY tier, name"))
        }
    }

    func contact(named name: String) throws -> ContactRecord? {
        try writer.read { db in try ContactRecord.filter(ContactRecord.Columns.name == name).fetchOne(db) }
    }

    func contact(signingKey: SigningPublicKey) throws -> ContactRecord? {
        try readOne { db in try contact(db, signingKey: signingKey.bytes) }
    }

    func contact(_ db: Database, signingKey: Data) throws -> ContactRecord? {
        try Self.fetchOne(ContactRecord.self, db, columns: ContactRecord.selectedColumns, where: "signing_key = ?", [signingKey])
    }

    func contact(id: Int64) throws -> ContactRecord? {
        try readOne { db in try contact(db, id: id) }
    }

    func contact(_ db: Database, id: Int64) throws -> ContactRecord? {
        try Self.fetchOne(ContactRecord.self, db, columns: ContactRecord.selectedColumns, where: "id = ?", [id])
    }

    /// The contact's card, opened: its endpoints and name hint.
    func card(of contact: ContactRecord) throws -> ContactCard {
        try writer.read { db in try card(db, of: contact) }
    }

    func card(_ db: Database, of contact: ContactRecord) throws -> ContactCard {
        let sealed = try ContactRecord.filter(key: contact.id).select(ContactRecord.Columns.card, as: Data.self).fetchOne(db)
        guard let sealed else { throw StoreError.damagedRow(table: "contact", id: "\(contact.id)") }
        let text = String(decoding: try cipher.open(sealed, for: Self.cardColumn(contact.signingKey)), as: UTF8.self)
        do { return try ContactCard(parsing: text) } catch { throw StoreError.damagedRow(table: "contact", id: "\(contact.id)") }
    }

    func markVerified(contactID: Int64, at now: Date) throws {
        _ = try writer.write { db in
            try ContactRecord.filter(key: contactID).updateAll(db, ContactRecord.Columns.verifiedAt.set(to: now))
        }
    }

    /// Removes the contact, unless a running plan names it: then nothing changes and the plans are returned.
    /// Queued envelopes to a removed contact are cancelled; alerts received from it are kept.
    func removeContact(id: Int64) throws -> [String] {
        try writer.write { db in
            let running = try PlanRecord.all().running().fetchAll(db)
                .filter { try $0.openDetails(with: cipher).recipients?.contains(id) == true }
                .map(\.id)
            guard running.isEmpty else { return running }
            try OutboxRecord.all().toContact(id).queued().cancel(db)
            _ = try ContactRecord.deleteOne(db, key: id)
            return []
        }
    }
}
