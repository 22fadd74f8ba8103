import CheckInCore
import Foundation
import GRDB
import MeetupControl
import MeetupProtocol

/// A row of `received_alert`: an alert from a contact. Ids, reasons and times in clear; who, where and the
/// rest sealed in `content`. `id` is this node's; `alertID` is the sender's, unique only with the sender's key.
struct ReceivedAlertRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "received_alert"

    var id: String
    var alertID: String
    /// The sender's Ed25519 key: the user whose plan it is.
    var senderKey: Data
    var contactID: Int64?
    var planID: String
    var reason: AlertReason
    var raisedAt: Date
    var receivedAt: Date
    var ackedAt: Date?
    var resolvedAt: Date?
    var checkedInAt: Date?
    /// The missed deadline, which with the sender's key, the plan and the reason names the incident.
    var deadline: Date?
    /// The routes the incident came through: the user's node and guardians, by name (a JSON list).
    var via: [String]
    /// The cards of the guardians it came through (texts), sealed under `guardianCardsColumn(id)`: acks go
    /// to them too.
    var guardianCards: Data?
    /// A `ReceivedContent`, sealed under `Store.receivedColumn(id)`.
    var content: Data
    var revision: Int
    var updatedAt: Date?
    /// The user's other contacts who acknowledged it (type 5, `acked`): names as the user's node gave them.
    var acks: [AckNote] = []

    enum CodingKeys: String, CodingKey {
        case id, reason, via, content, revision, acks
        case alertID = "alert_id"
        case senderKey = "sender_key"
        case contactID = "contact_id"
        case planID = "plan_id"
        case raisedAt = "raised_at"
        case receivedAt = "received_at"
        case ackedAt = "acked_at"
        case resolvedAt = "resolved_at"
        case checkedInAt = "checked_in_at"
        case deadline = "deadline_at"
        case guardianCards = "guardian_cards"
        case updatedAt = "updated_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let alertID = Column(CodingKeys.alertID)
        static let senderKey = Column(CodingKeys.senderKey)
        static let planID = Column(CodingKeys.planID)
        static let reason = Column(CodingKeys.reason)
        static let receivedAt = Column(CodingKeys.receivedAt)
        static let ackedAt = Column(CodingKeys.ackedAt)
        static let resolvedAt = Column(CodingKeys.resolvedAt)
        static let checkedInAt = Column(CodingKeys.checkedInAt)
        static let deadline = Column(CodingKeys.deadline)
        static let updatedAt = Column(CodingKeys.updatedAt)
    }

    static func guardianCardsColumn(_ id: String) -> SealedColumn {
        SealedColumn(table: "received_alert", column: "guardian_cards", rowKey: id)
    }
}

/// What is sealed in `received_alert.content`: the message as received, and the sender's name then.
struct ReceivedContent: Codable {
    var from: String
    var message: AlertMessage
}

extension DerivableRequest<ReceivedAlertRecord> {
    /// Alerts still open: not acknowledged, or updated (Help pressed again) since they were; not resolved.
    func open() -> Self {
        let columns = ReceivedAlertRecord.Columns.self
        return filter((columns.ackedAt == nil || columns.updatedAt > columns.ackedAt) && columns.resolvedAt == nil)
    }

    func newestFirst() -> Self {
        order(ReceivedAlertRecord.Columns.receivedAt.desc, ReceivedAlertRecord.Columns.id)
    }
}

extension ReceivedAlertRecord {
    /// The incident `message` belongs to: the same alert id for the same deadline, or, for a missed deadline,
    /// the same plan and deadline under any id (the user's node's and a guardian's escrow id). Every alert
    /// received asks it, so its statement is prepared once. The sender's key is in each branch, so that each
    /// is one index lookup (the unique key, and `received_alert_incident`), not a scan of all that the sender
    /// ever sent; `IS` matches a missing deadline too.
    static func incident(of message: AlertMessage, from senderKey: Data) -> SQLRequest<Self> {
        let payload = message.payload
        let sameAlert = "sender_key = ? AND alert_id = ? AND deadline_at IS ?"
        guard payload.reason == .missed, let deadline = payload.deadline else {
            return SQLRequest(
                sql: "SELECT * FROM received_alert WHERE \(sameAlert)", arguments: [senderKey, message.alert, payload.deadline],
                cached: true)
        }
        return SQLRequest(
            sql: "SELECT * FROM received_alert WHERE (\(sameAlert)) OR (sender_key = ? AND plan_id = ? AND deadline_at = ? AND reason = ?)",
            arguments: [senderKey, message.alert, deadline, senderKey, payload.plan, deadline, AlertReason.missed], cached: true)
    }
}

extension Store {
    static func receivedColumn(_ id: String) -> SealedColumn {
        SealedColumn(table: "received_alert", column: "content", rowKey: id)
    }

    func guardianCards(of alert: ReceivedAlertRecord) throws -> [String] {
        guard let sealed = alert.guardianCards else { return [] }
        return try cipher.open([String].self, from: sealed, for: ReceivedAlertRecord.guardianCardsColumn(alert.id))
    }

    func sealGuardianCards(_ cards: [String], id: String) throws -> Data? {
        cards.isEmpty ? nil : try cipher.seal(cards, for: ReceivedAlertRecord.guardianCardsColumn(id))
    }

    /// Received alerts, newest first; without `all`, only the open ones.
    func receivedAlerts(all: Bool) throws -> [ReceivedAlert] {
        try writer.read { db in
            let request = all ? ReceivedAlertRecord.all() : ReceivedAlertRecord.all().open()
            return try request.newestFirst().fetchAll(db).map { try receivedAlert($0, withPhoto: false) }
        }
    }

    func receivedAlert(id: String) throws -> ReceivedAlert? {
        try writer.read { db in try ReceivedAlertRecord.fetchOne(db, key: id).map { try receivedAlert($0, withPhoto: true) } }
    }

    /// The record as the control API shows it, its content opened.
    func receivedAlert(_ record: ReceivedAlertRecord, withPhoto: Bool) throws -> ReceivedAlert {
        let content = try cipher.open(ReceivedContent.self, from: record.content, for: Self.receivedColumn(record.id))
        let payload = content.message.payload
        let position = payload.lastLocation?.geo ?? payload.place.geo
        return ReceivedAlert(
            id: record.id, plan: payload.plan, from: content.from, reason: payload.reason.rawValue, late: content.message.late,
            match: payload.match, place: payload.place.name, geo: payload.place.geo, raisedAt: payload.raisedAt,
            deadline: payload.deadline, receivedAt: record.receivedAt, ackedAt: record.ackedAt,
            resolvedAt: record.resolvedAt, checkedInAt: record.checkedInAt, start: payload.start, until: payload.until,
            trail: payload.trail, checkIns: payload.checkIns, history: payload.history,
            mapLink: position?.mapLink, geoURI: position?.geoURI, hasPhoto: content.message.photo != nil,
            photo: withPhoto ? content.message.photo : nil, via: record.via, revision: record.revision,
            updatedAt: record.updatedAt, acks: record.acks)
    }
}
