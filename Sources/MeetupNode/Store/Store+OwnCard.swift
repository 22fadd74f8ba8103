import Foundation
import GRDB
import MeetupProtocol

/// The row of `own_card`: the card this node published last, sealed, and when.
struct OwnCardRecord: FetchableRecord, TableRecord {
    static let databaseTableName = "own_card"
    var card: Data
    var publishedAt: Date

    init(row: Row) {
        card = row["card"]
        publishedAt = row["published_at"]
    }
}

extension Store {
    static let ownCardColumn = SealedColumn(table: "own_card", column: "card", rowKey: "1")

    /// This node's card as its contacts hold it. `make` is given the card published last (nil before the
    /// first) and returns nil when that card still stands, else the card to publish: in the same transaction,
    /// it becomes the published card and every contact is queued its card update (`update`), superseding
    /// the updates still queued. Returns the card in force and whether it was published now.
    func ownCard(
        make: (_ published: ContactCard?, _ hasContacts: Bool) throws -> ContactCard?,
        update: (ContactCard, ContactRecord) -> OutboxEntry, at now: Date
    ) throws -> (card: ContactCard, published: Bool) {
        // Read first: the card almost always stands, and then no write lock is taken.
        let held = try readOne { db in try publishedCard(db) }
        if let held, try make(held, true) == nil { return (held, false) }
        return try writer.write { db in
            let held = try publishedCard(db)
            let contacts = try ContactRecord.fetchAll(db.cachedStatement(sql: "SELECT \(ContactRecord.selectedColumns) FROM contact"))
            guard let card = try make(held, !contacts.isEmpty) else {
                guard let held else { throw StoreError.damagedRow(table: "own_card", id: "1") }
                return (held, false)
            }
            try db.execute(
                sql: "INSERT INTO own_card (id, card, published_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET card = excluded.card, published_at = excluded.published_at",
                arguments: [cipher.seal(Data(card.text.utf8), for: Self.ownCardColumn), now])
            try OutboxRecord.all().ofType(.cardUpdate).queued().cancel(db)
            for contact in contacts { try insertOutbox(db, update(card, contact)) }
            return (card, true)
        }
    }

    /// One envelope queued on its own (a card sent to a contact just added).
    func queue(_ entry: OutboxEntry) throws {
        try writer.write { db in try insertOutbox(db, entry) }
    }

    private func publishedCard(_ db: Database) throws -> ContactCard? {
        guard let record = try OwnCardRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM own_card WHERE id = 1")) else { return nil }
        let text = String(decoding: try cipher.open(record.card, for: Self.ownCardColumn), as: UTF8.self)
        do { return try ContactCard(parsing: text) } catch { throw StoreError.damagedRow(table: "own_card", id: "1") }
    }

    /// A contact's new card, from its card update: the endpoints and name hint change, nothing else (keys,
    /// the user's name for the contact, tier, verification). `replacing` decides from the card held.
    func updateCard(
        _ db: Database, of contact: ContactRecord, replacing: (ContactCard) throws -> ContactCard?
    ) throws -> ContactCard? {
        guard let card = try replacing(try card(db, of: contact)) else { return nil }
        try db.execute(
            sql: "UPDATE contact SET card = ? WHERE id = ?",
            arguments: [cipher.seal(Data(card.text.utf8), for: Self.cardColumn(contact.signingKey)), contact.id])
        return card
    }
}
