import Foundation
import GRDB
import MeetupProtocol

/// A row of `outbox`: one envelope this node sends, sealed to its recipient, until a receipt or its expiry.
/// Rows of type `alert` are also the alert's deliveries, with the contact's name as it was then. Read and
/// written column by column, by hand (`PlanRecord` says why).
struct OutboxRecord: Equatable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "outbox"

    var seq: Int64?
    var envelopeID: Data
    var contactID: Int64?
    var contactName: String
    var tier: Int
    var type: MessageType
    var planID: String?
    var alertID: String?
    var envelope: Data
    /// For a recipient who is not a contact (a guardian relaying to the user's contacts): its card, sealed
    /// under `Store.outboxCardColumn(envelopeID)`.
    var card: Data?
    var createdAt: Date
    var expiresAt: Date
    var state: OutboxState
    var nextAttemptAt: Date?
    var attempts: Int
    var deliveredAt: Date?
    var ackedAt: Date?
    var lastError: String?
    /// For an alert's copy: the alert's revision it carries.
    var revision: Int
    /// When a mailbox host first signed that it keeps the envelope (`stored`, before the recipient's own
    /// receipt), and that deposit receipt.
    var storedAt: Date?
    var deposit: Data?

    enum Columns {
        static let seq = Column("seq")
        static let envelopeID = Column("envelope_id")
        static let contactID = Column("contact_id")
        static let contactName = Column("contact_name")
        static let tier = Column("tier")
        static let type = Column("type")
        static let planID = Column("plan_id")
        static let alertID = Column("alert_id")
        static let envelope = Column("envelope")
        static let card = Column("card")
        static let createdAt = Column("created_at")
        static let expiresAt = Column("expires_at")
        static let state = Column("state")
        static let nextAttemptAt = Column("next_attempt_at")
        static let attempts = Column("attempts")
        static let deliveredAt = Column("delivered_at")
        static let ackedAt = Column("acked_at")
        static let lastError = Column("last_error")
        static let revision = Column("revision")
        static let storedAt = Column("stored_at")
        static let deposit = Column("deposit")
    }

    init(row: Row) throws {
        seq = try row.decode(forColumn: Columns.seq)
        envelopeID = try row.decode(forColumn: Columns.envelopeID)
        contactID = try row.decode(forColumn: Columns.contactID)
        contactName = try row.decode(forColumn: Columns.contactName)
        tier = try row.decode(forColumn: Columns.tier)
        type = try row.decode(forColumn: Columns.type)
        planID = try row.decode(forColumn: Columns.planID)
        alertID = try row.decode(forColumn: Columns.alertID)
        envelope = try row.decode(forColumn: Columns.envelope)
        card = try row.decode(forColumn: Columns.card)
        createdAt = try row.decode(forColumn: Columns.createdAt)
        expiresAt = try row.decode(forColumn: Columns.expiresAt)
        state = try row.decode(forColumn: Columns.state)
        nextAttemptAt = try row.decode(forColumn: Columns.nextAttemptAt)
        attempts = try row.decode(forColumn: Columns.attempts)
        deliveredAt = try row.decode(forColumn: Columns.deliveredAt)
        ackedAt = try row.decode(forColumn: Columns.ackedAt)
        lastError = try row.decode(forColumn: Columns.lastError)
        revision = try row.decode(forColumn: Columns.revision)
        storedAt = try row.decode(forColumn: Columns.storedAt)
        deposit = try row.decode(forColumn: Columns.deposit)
    }

    func encode(to container: inout PersistenceContainer) {
        container[Columns.seq] = seq
        container[Columns.envelopeID] = envelopeID
        container[Columns.contactID] = contactID
        container[Columns.contactName] = contactName
        container[Columns.tier] = tier
        container[Columns.type] = type
        container[Columns.planID] = planID
        container[Columns.alertID] = alertID
        container[Columns.envelope] = envelope
        container[Columns.card] = card
        container[Columns.createdAt] = createdAt
        container[Columns.expiresAt] = expiresAt
        container[Columns.state] = state
        container[Columns.nextAttemptAt] = nextAttemptAt
        container[Columns.attempts] = attempts
        container[Columns.deliveredAt] = deliveredAt
        container[Columns.ackedAt] = ackedAt
        container[Columns.lastError] = lastError
        container[Columns.revision] = revision
        container[Columns.storedAt] = storedAt
        container[Columns.deposit] = deposit
    }

    /// A new row, queued.
    init(
        envelopeID: Data, contactID: Int64?, contactName: String, tier: Int, type: MessageType, planID: String?,
        alertID: String?, envelope: Data, card: Data?, createdAt: Date, expiresAt: Date, nextAttemptAt: Date, revision: Int
    ) {
        self.envelopeID = envelopeID
        self.contactID = contactID
        self.contactName = contactName
        self.tier = tier
        self.type = type
        self.planID = planID
        self.alertID = alertID
        self.envelope = envelope
        self.card = card
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        state = .queued
        self.nextAttemptAt = nextAttemptAt
        attempts = 0
        self.revision = revision
    }

}

extension OutboxRecord {
    /// The state `status` shows: `stored` for an envelope a mailbox host keeps for its recipient, whose own
    /// receipt has not come back yet.
    var shownState: String {
        state == .queued && storedAt != nil ? "stored" : state.rawValue
    }
}

/// The outbox's `type` column holds the message type's name, as the schema checks.
extension MessageType: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { description.databaseValue }

    public static func fromDatabaseValue(_ value: DatabaseValue) -> MessageType? {
        String.fromDatabaseValue(value).flatMap { name in allCases.first { $0.description == name } }
    }
}

/// The outbox's questions, named.
extension DerivableRequest<OutboxRecord> {
    func queued() -> Self { filter(OutboxRecord.Columns.state == OutboxState.queued) }

    func ofPlan(_ planID: String) -> Self { filter(OutboxRecord.Columns.planID == planID) }

    func ofType(_ type: MessageType) -> Self { filter(OutboxRecord.Columns.type == type) }

    func toContact(_ contactID: Int64) -> Self { filter(OutboxRecord.Columns.contactID == contactID) }

    /// Copies of the alert `alertID`.
    func copies(of alertID: String) -> Self { filter(OutboxRecord.Columns.alertID == alertID).ofType(.alert) }

    /// Tier-2 copies never attempted: held back until their escalation instant.
    func tierTwoNotAttempted() -> Self {
        filter(OutboxRecord.Columns.tier == 2 && OutboxRecord.Columns.attempts == 0).queued()
    }
}

extension QueryInterfaceRequest<OutboxRecord> {
    /// Takes the rows out of the queue for good.
    func cancel(_ db: Database) throws {
        try updateAll(
            db, OutboxRecord.Columns.state.set(to: OutboxState.cancelled), OutboxRecord.Columns.nextAttemptAt.set(to: nil))
    }
}
