import CheckInCore
import Foundation
import GRDB

/// A row of `alert`: an alert this node raised, its payload sealed at rest.
struct AlertRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "alert"

    var id: String
    var planID: String
    var reason: AlertReason
    /// The incident's instant: `deadline + grace` for a miss, the command's time otherwise.
    var raisedAt: Date
    var recordedAt: Date
    var deadline: Date?
    var late: Bool
    var silent: Bool
    /// The `AlertPayload`, sealed under `Store.alertPayloadColumn(id)`.
    var payload: Data
    /// Raised by each update of the incident (Help pressed again).
    var revision: Int
    var updatedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, reason, late, silent, payload, revision
        case planID = "plan_id"
        case raisedAt = "raised_at"
        case recordedAt = "recorded_at"
        case deadline = "deadline_at"
        case updatedAt = "updated_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let raisedAt = Column(CodingKeys.raisedAt)
        static let planID = Column(CodingKeys.planID)
        static let silent = Column(CodingKeys.silent)
        static let recordedAt = Column(CodingKeys.recordedAt)
        static let payload = Column(CodingKeys.payload)
        static let reason = Column(CodingKeys.reason)
        static let revision = Column(CodingKeys.revision)
        static let updatedAt = Column(CodingKeys.updatedAt)
    }
}

extension AlertReason: DatabaseValueConvertible {}

extension Store {
    static func alertPayloadColumn(_ id: String) -> SealedColumn {
        SealedColumn(table: "alert", column: "payload", rowKey: id)
    }

    func insertAlert(
        _ db: Database, id: String, planID: String, draft: AlertDraft, recordedAt: Date, late: Bool, payload: Data
    ) throws {
        try AlertRecord(
            id: id, planID: planID, reason: draft.reason, raisedAt: draft.raisedAt, recordedAt: recordedAt,
            deadline: draft.deadline, late: late, silent: draft.silent, payload: payload, revision: 0, updatedAt: nil
        ).insert(db)
    }

    /// The plan's most recent alert of that kind (silent or not): the open incident's.
    func latestAlert(_ db: Database, planID: String, silent: Bool) throws -> AlertRecord? {
        try AlertRecord
            .filter(AlertRecord.Columns.planID == planID && AlertRecord.Columns.silent == silent)
            .order(AlertRecord.Columns.recordedAt.desc)
            .fetchOne(db)
    }

    func alert(_ db: Database, id: String) throws -> AlertRecord? {
        try Self.fetchOne(AlertRecord.self, db, where: "id = ?", [id])
    }

    /// An update of the incident: the payload built again, the graver reason, the revision raised.
    func updateAlert(_ db: Database, id: String, reason: AlertReason, payload: Data, at now: Date) throws {
        let columns = AlertRecord.Columns.self
        _ = try AlertRecord.filter(key: id).updateAll(
            db, columns.payload.set(to: payload), columns.reason.set(to: reason), columns.revision += 1,
            columns.updatedAt.set(to: now))
    }

    /// The alert's payload, opened.
    func openPayload(of alert: AlertRecord) throws -> AlertPayload {
        try cipher.open(AlertPayload.self, from: alert.payload, for: Self.alertPayloadColumn(alert.id))
    }

    func isSilentAlert(id: String) throws -> Bool {
        try writer.read { db in try AlertRecord.fetchOne(db, key: id)?.silent ?? false }
    }
}
