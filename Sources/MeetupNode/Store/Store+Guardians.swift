import CheckInCore
import Foundation
import GRDB
import MeetupControl
import MeetupCrypto
import MeetupProtocol

/// Guardians, on both sides (docs/PROTOCOL.md, "Guardians"): the user's node sends each guardian of a
/// plan a replica with the sealed escrow, and a stand-down when the plan ends or it raised the alert
/// itself; the guardian keeps the latest replica of each plan it watches.
extension Store {
    /// The plan's recipients that are guardians.
    func guardians(_ db: Database, of details: PlanDetails) throws -> [ContactRecord] {
        try (details.recipients ?? []).compactMap { try contact(db, id: $0) }.filter(\.guardian)
    }

    /// One replica per guardian of the plan, superseding the replicas still queued to it. The escrow holds
    /// a "missed" alert for every recipient, built from the plan as it stands, sealed to that recipient.
    func replicaEntries(_ db: Database, notice: Notice, now: Date, seal: EnvelopeSealer) throws -> [OutboxEntry] {
        guard let record = try PlanRecord.fetchOne(db, key: notice.planID) else { return [] }
        let details = try cipher.open(PlanDetails.self, from: record.details, for: PlanRecord.detailsColumn(record.id))
        let guardians = try guardians(db, of: details)
        guard !guardians.isEmpty else { return [] }
        let state = try record.state()
        let recipients = try (details.recipients ?? []).compactMap { try contact(db, id: $0) }
        let refs = guardians.map { GuardianRef(key: $0.signingKey.bytes.hexString, name: $0.name) }
        let draft = AlertDraft(reason: .missed, raisedAt: now, deadline: state.deadline, silent: false)
        let payload = try alertPayload(db, record: record, details: details, draft: draft)
        let photo = try Data.fetchOne(db, sql: "SELECT content FROM photo WHERE plan_id = ?", arguments: [record.id])
            .map { try cipher.open($0, for: SealedColumn(table: "photo", column: "content", rowKey: record.id)) }
        let escrowID = Base32.encode(SecureRandom.bytes(count: 16))
        var body = WireJSON.encode(
            AlertMessage(alert: escrowID, late: false, payload: payload, photo: photo, escrow: true, guardians: refs))
        if body.count * max(1, recipients.count) > Self.alertBodyLimit / 2 {
            // A replica carries one escrow per recipient: the photo stays with the user's own alerts.
            body = WireJSON.encode(AlertMessage(alert: escrowID, late: false, payload: payload, photo: nil, escrow: true, guardians: refs))
        }
        var contacts: [ReplicaMessage.Contact] = []
        var escrow: [ReplicaMessage.Escrow] = []
        var own: [Int64: Data] = [:]
        for recipient in recipients {
            contacts.append(.init(name: recipient.name, tier: recipient.tier, card: try card(db, of: recipient).text))
            let sealed = seal(.alert, body, recipient).sealed
            escrow.append(.init(cardKey: recipient.signingKey.bytes.hexString, envelope: sealed))
            own[recipient.id] = sealed
        }
        try db.execute(
            sql: "UPDATE outbox SET state = 'cancelled', next_attempt_at = NULL WHERE plan_id = ? AND type = 'replica' AND state = 'queued'",
            arguments: [record.id])
        return guardians.map { guardian in
            let replica = ReplicaMessage(
                plan: record.id, version: Int(notice.id), start: state.schedule.start, everySeconds: state.schedule.every,
                graceSeconds: state.schedule.grace, until: state.schedule.until, deadline: state.deadline, heartbeatSeq: 0,
                escalateAfterSeconds: details.escalateAfter ?? Plan.defaultEscalateAfter, contacts: contacts,
                escrow: escrow.filter { $0.cardKey != guardian.signingKey.bytes.hexString }, own: own[guardian.id])
            var entry = seal(.replica, WireJSON.encode(replica), guardian)
            entry.planID = record.id
            return entry
        }
    }

    /// A stand-down to every guardian of the plan.
    func standDownEntries(_ db: Database, notice: Notice, seal: EnvelopeSealer) throws -> [OutboxEntry] {
        guard let record = try PlanRecord.fetchOne(db, key: notice.planID) else { return [] }
        let details = try cipher.open(PlanDetails.self, from: record.details, for: PlanRecord.detailsColumn(record.id))
        let alerted = notice.kind == "stand-down-alerted"
        let deadline = alerted
            ? try Date.fetchOne(db, sql: "SELECT deadline_at FROM alert WHERE id = ?", arguments: [notice.alertID])
            : nil
        let body = WireJSON.encode(StandDownMessage(plan: record.id, reason: alerted ? .alerted : .done, deadline: deadline))
        return try guardians(db, of: details).map { guardian in
            var entry = seal(.standDown, body, guardian)
            entry.planID = record.id
            return entry
        }
    }

    /// Whether each guardian of the plan holds its latest replica (a signed receipt came back).
    func guardianSummaries(_ db: Database, planID: String, details: PlanDetails) throws -> [GuardianSummary] {
        try guardians(db, of: details).map { guardian in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT state, delivered_at FROM outbox WHERE plan_id = ? AND contact_id = ? AND type = 'replica'
                      AND state != 'cancelled' ORDER BY seq DESC LIMIT 1
                    """,
                arguments: [planID, guardian.id])
            let state: String = row?["state"] ?? "none"
            return GuardianSummary(
                contact: guardian.name, state: state == "delivered" ? "confirmed" : state == "queued" ? "pending" : state,
                confirmedAt: row?["delivered_at"])
        }
    }

    // MARK: The guardian's side

    static func watchColumn(userKey: Data, planID: String) -> SealedColumn {
        SealedColumn(table: "watch", column: "content", rowKey: userKey.hexString + "/" + planID)
    }

    /// Keeps the newest replica of a plan from `contact`; an older or repeated version changes nothing.
    func storeReplica(_ db: Database, _ replica: ReplicaMessage, from contact: ContactRecord, at now: Date) throws {
        let key = contact.signingKey.bytes
        let current = try Int.fetchOne(
            db, sql: "SELECT version FROM watch WHERE user_key = ? AND plan_id = ?", arguments: [key, replica.plan])
        if let current, current >= replica.version { return }
        let content = try cipher.seal(replica, for: Self.watchColumn(userKey: key, planID: replica.plan))
        try db.execute(
            sql: """
                INSERT INTO watch (user_key, plan_id, contact_id, version, deadline_at, received_at, content)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (user_key, plan_id) DO UPDATE SET version = excluded.version,
                  deadline_at = excluded.deadline_at, received_at = excluded.received_at, content = excluded.content
                """,
            arguments: [key, replica.plan, contact.id, replica.version, replica.deadline, now, content])
    }

    /// `done` deletes the replica and its escrow; `alerted` records that the user's node raised it itself.
    func applyStandDown(_ db: Database, _ message: StandDownMessage, from contact: ContactRecord) throws {
        switch message.reason {
        case .done:
            try db.execute(
                sql: "DELETE FROM watch WHERE user_key = ? AND plan_id = ?", arguments: [contact.signingKey.bytes, message.plan])
        case .alerted:
            try db.execute(
                sql: "UPDATE watch SET alerted_deadline_at = ? WHERE user_key = ? AND plan_id = ?",
                arguments: [message.deadline, contact.signingKey.bytes, message.plan])
        }
    }
}
