import CheckInCore
import Foundation
import GRDB

/// A row of `alert`: an alert this node raised, its payload sealed at rest. Read and written column by
/// column (`PlanRecord` says why).
struct AlertRecord: Equatable, FetchableRecord, PersistableRecord {
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

    enum Columns {
        static let id = Column("id")
        static let planID = Column("plan_id")
        static let reason = Column("reason")
        static let raisedAt = Column("raised_at")
        static let recordedAt = Column("recorded_at")
        static let deadline = Column("deadline_at")
        static let late = Column("late")
        static let silent = Column("silent")
        static let payload = Column("payload")
        static let revision = Column("revision")
        static let updatedAt = Column("updated_at")
    }

    func encode(to container: inout PersistenceContainer) {
        container[Columns.id] = id
        container[Columns.planID] = planID
        container[Columns.reason] = reason
        container[Columns.raisedAt] = raisedAt
        container[Columns.recordedAt] = recordedAt
        container[Columns.deadline] = deadline
        container[Columns.late] = late
        container[Columns.silent] = silent
        container[Columns.payload] = payload
        container[Columns.revision] = revision
        container[Columns.updatedAt] = updatedAt
    }
}

extension AlertRecord {
    // Outside the struct, so that it keeps its memberwise initializer.
    init(row: Row) throws {
        id = try row.decode(forColumn: Columns.id)
        planID = try row.decode(forColumn: Columns.planID)
        reason = try row.decode(forColumn: Columns.reason)
        raisedAt = try row.decode(forColumn: Columns.raisedAt)
        recordedAt = try row.decode(forColumn: Columns.recordedAt)
        deadline = try row.decode(forColumn: Columns.deadline)
        late = try row.decode(forColumn: Columns.late)
        silent = try row.decode(forColumn: Columns.silent)
        payload = try row.decode(forColumn: Columns.payload)
        revision = try row.decode(forColumn: Columns.revision)
        updatedAt = try row.decode(forColumn: Columns.updatedAt)
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
        try Self.insertRow(AlertRecord(
            id: id, planID: planID, reason: draft.reason, raisedAt: draft.raisedAt, recordedAt: recordedAt,
            deadline: draft.deadline, late: late, silent: draft.silent, payload: payload, revision: 0, updatedAt: nil
        ), db)
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
