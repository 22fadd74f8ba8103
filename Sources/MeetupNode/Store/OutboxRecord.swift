import Foundation
import GRDB
import MeetupProtocol

/// A row of `outbox`: one envelope this node sends, sealed to its recipient, until a receipt or its expiry.
/// Rows of type `alert` are also the alert's deliveries, with the contact's name as it was then.
struct OutboxRecord: Codable, FetchableRecord, MutablePersistableRecord {
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

    enum CodingKeys: String, CodingKey {
        case seq, tier, type, envelope, card, state, attempts, revision
        case envelopeID = "envelope_id"
        case contactID = "contact_id"
        case contactName = "contact_name"
        case planID = "plan_id"
        case alertID = "alert_id"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case nextAttemptAt = "next_attempt_at"
        case deliveredAt = "delivered_at"
        case ackedAt = "acked_at"
        case lastError = "last_error"
    }

    enum Columns {
        static let seq = Column(CodingKeys.seq)
        static let contactID = Column(CodingKeys.contactID)
        static let tier = Column(CodingKeys.tier)
        static let type = Column(CodingKeys.type)
        static let planID = Column(CodingKeys.planID)
        static let alertID = Column(CodingKeys.alertID)
        static let createdAt = Column(CodingKeys.createdAt)
        static let expiresAt = Column(CodingKeys.expiresAt)
        static let state = Column(CodingKeys.state)
        static let nextAttemptAt = Column(CodingKeys.nextAttemptAt)
        static let attempts = Column(CodingKeys.attempts)
        static let deliveredAt = Column(CodingKeys.deliveredAt)
        static let ackedAt = Column(CodingKeys.ackedAt)
        static let lastError = Column(CodingKeys.lastError)
        static let revision = Column(CodingKeys.revision)
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

    mutating func didInsert(_ inserted: InsertionSuccess) {
        seq = inserted.rowID
    }
}

/// The outbox's `type` column holds the message type's name, as the schema checks.
extension MessageType: Codable, DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { description.databaseValue }

    public static func fromDatabaseValue(_ value: DatabaseValue) -> MessageType? {
        String.fromDatabaseValue(value).flatMap { name in allCases.first { $0.description == name } }
    }

    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let type = Self.allCases.first(where: { $0.description == name }) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown message type \(name)"))
        }
        self = type
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
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
