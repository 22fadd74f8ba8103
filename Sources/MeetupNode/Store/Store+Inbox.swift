import CheckInCore
import Foundation
import GRDB
import MeetupControl
import MeetupCrypto
import MeetupProtocol

/// An acknowledgement to send again: the user's node's own alert id replaced a guardian's escrow id of an
/// incident acknowledged before, so that the ack names an id the user's node knows.
struct AckAgain: Equatable {
    var alertID: String
    var planID: String
    var ackedAt: Date
}

/// Who hears of an acknowledgement: the sender, when still a contact, and the guardians the alert came through.
struct AckRecipients {
    var alertID: String
    var planID: String
    /// The user whose alert it is (their Ed25519 key), as guardians know them.
    var userKey: Data
    var sender: ContactRecord?
    var guardianCards: [ContactCard]
}

/// What is sealed in `received_alert.content`: the message as received, and the sender's name then.
struct ReceivedContent: Codable {
    var from: String
    var message: AlertMessage
}

extension Store {
    static func receivedColumn(_ id: String) -> SealedColumn {
        SealedColumn(table: "received_alert", column: "content", rowKey: id)
    }

    /// In one transaction: records the envelope's id, then `apply`s the message. Returns false, and
    /// applies nothing, when the id was accepted before.
    func acceptOnce(envelopeID: Data, expires: Date, apply: (Database) throws -> Void) throws -> Bool {
        try writer.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM seen_envelope WHERE id = ?", arguments: [envelopeID]) == true {
                return false
            }
            try db.execute(sql: "INSERT INTO seen_envelope (id, expires_at) VALUES (?, ?)", arguments: [envelopeID, expires])
            try apply(db)
            return true
        }
    }

    /// The route name of an alert the user's own node sent.
    static let directRoute = "their node"

    /// Stores an alert from `contact` under a local id, and one job per notification hook. One incident is
    /// one alert: a missed deadline of a plan from the same user, whether it came from the user's node or a
    /// guardian, is stored once and lists every route in `via`. The same alert id for the same deadline (a
    /// copy re-sent under a new envelope) is not stored twice; a guardian's escrow id with another deadline
    /// is another incident. The user's node's own alert id replaces a guardian's escrow id, so that an ack
    /// names an id the user's node knows; an incident acknowledged before that id arrived is acked again.
    /// A copy with a higher `revision` (Help pressed again) replaces what is shown, and the hooks run again
    /// for the update; a lower or equal one changes nothing but the routes. `newID` names a new incident.
    /// Returns the ack to send again, when one is due.
    @discardableResult
    func insertReceivedAlert(
        _ db: Database, _ message: AlertMessage, from contact: ContactRecord, at now: Date, hooks: [HookKind], via route: String,
        guardianCard: ContactCard?, newID: String
    ) throws -> AckAgain? {
        let key = contact.signingKey.bytes
        let payload = message.payload
        let incident = try Row.fetchOne(
            db,
            sql: """
                SELECT id, alert_id, acked_at, via, guardian_cards, revision, content FROM received_alert
                WHERE sender_key = ? AND ((alert_id = ? AND deadline_at IS ?)
                  OR (plan_id = ? AND reason = 'missed' AND ? = 'missed' AND deadline_at = ?))
                """,
            arguments: [key, message.alert, payload.deadline, payload.plan, payload.reason.rawValue, payload.deadline])
        if let incident {
            let id: String = incident["id"]
            var via = Self.routes(incident["via"])
            if !via.contains(route) { via.append(route) }
            var cards = try guardianCards(incident["guardian_cards"], id: id)
            if let guardianCard, !cards.contains(guardianCard.text) { cards.append(guardianCard.text) }
            try db.execute(
                sql: "UPDATE received_alert SET via = ?, guardian_cards = ? WHERE id = ?",
                arguments: [Self.routesText(via), sealGuardianCards(cards, id: id), id])
            var ackAgain: AckAgain?
            if route == Self.directRoute, incident["alert_id"] != message.alert {
                try db.execute(sql: "UPDATE received_alert SET alert_id = ? WHERE id = ?", arguments: [message.alert, id])
                if let ackedAt: Date = incident["acked_at"] {
                    ackAgain = AckAgain(alertID: message.alert, planID: payload.plan, ackedAt: ackedAt)
                }
            }
            let revision = message.revision ?? 0
            if route == Self.directRoute, revision > incident["revision"] {
                // An update comes without the photo, which the first copy brought.
                var update = message
                if update.photo == nil {
                    update.photo = try cipher.open(ReceivedContent.self, from: incident["content"], for: Self.receivedColumn(id)).message.photo
                }
                let content = try cipher.seal(ReceivedContent(from: contact.name, message: update), for: Self.receivedColumn(id))
                try db.execute(
                    sql: "UPDATE received_alert SET content = ?, reason = ?, revision = ?, updated_at = ? WHERE id = ?",
                    arguments: [content, payload.reason.rawValue, revision, now, id])
                try insertHookJobs(db, alertID: id, hooks: hooks, event: .update, at: now)
            }
            return ackAgain
        }
        let id = newID
        let content = try cipher.seal(ReceivedContent(from: contact.name, message: message), for: Self.receivedColumn(id))
        try db.execute(
            sql: """
                INSERT INTO received_alert (id, alert_id, sender_key, contact_id, plan_id, reason, raised_at, received_at,
                                            deadline_at, via, guardian_cards, content, revision)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, message.alert, key, contact.id, payload.plan, payload.reason.rawValue, payload.raisedAt, now,
                payload.deadline, Self.routesText([route]), sealGuardianCards(guardianCard.map { [$0.text] } ?? [], id: id),
                content, message.revision ?? 0,
            ])
        try insertHookJobs(db, alertID: id, hooks: hooks, event: .alert, at: now)
        return nil
    }

    private func insertHookJobs(_ db: Database, alertID: String, hooks: [HookKind], event: HookEvent, at now: Date) throws {
        for hook in hooks {
            try db.execute(
                sql: "INSERT INTO hook_job (alert_id, hook, event, next_attempt_at) VALUES (?, ?, ?, ?)",
                arguments: [alertID, hook.rawValue, event.rawValue, now])
        }
    }

    private func guardianCards(_ sealed: Data?, id: String) throws -> [String] {
        guard let sealed else { return [] }
        return try cipher.open([String].self, from: sealed, for: SealedColumn(table: "received_alert", column: "guardian_cards", rowKey: id))
    }

    private func sealGuardianCards(_ cards: [String], id: String) throws -> Data? {
        cards.isEmpty ? nil : try cipher.seal(cards, for: SealedColumn(table: "received_alert", column: "guardian_cards", rowKey: id))
    }

    static func routes(_ text: String?) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data((text ?? "[]").utf8))) ?? []
    }

    static func routesText(_ routes: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(routes)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// Marks the alerts of the plan received from `contact` as resolved or checked in after. Duress and
    /// PIN-failure alerts stay open until someone acknowledges them: a person forced once may be forced
    /// again, and only a human who has spoken to them should close that.
    func applyResolved(_ db: Database, _ message: ResolvedMessage, from contact: ContactRecord) throws {
        let column = message.state == .done ? "resolved_at" : "checked_in_at"
        try db.execute(
            sql: """
                UPDATE received_alert SET \(column) = COALESCE(\(column), ?)
                WHERE plan_id = ? AND sender_key = ? AND reason NOT IN ('duress', 'pin-failures')
                """,
            arguments: [message.at, message.plan, contact.signingKey.bytes])
    }

    /// Received alerts, newest first; without `all`, only those not yet acknowledged or resolved.
    func receivedAlerts(all: Bool) throws -> [ReceivedAlert] {
        try writer.read { db in
            // Open: not acknowledged, or updated (Help pressed again) since it was.
            let filter = all ? "" : "WHERE (acked_at IS NULL OR updated_at > acked_at) AND resolved_at IS NULL"
            return try Row.fetchAll(db, sql: "SELECT * FROM received_alert \(filter) ORDER BY received_at DESC, id")
                .map { try receivedAlert($0, withPhoto: false) }
        }
    }

    func receivedAlert(id: String) throws -> ReceivedAlert? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM received_alert WHERE id = ?", arguments: [id])
                .map { try receivedAlert($0, withPhoto: true) }
        }
    }

    /// Marks a received alert acknowledged and queues the signed acks `queue` makes for its recipients, in
    /// one transaction. Returns nil when there is no such alert; `toldSender` false when the sender is no
    /// longer a contact.
    func ackReceivedAlert(
        id: String, at now: Date, queue: (AckRecipients) -> (toSender: OutboxEntry?, toGuardians: [CardEnvelope])
    ) throws -> (alert: ReceivedAlert, toldSender: Bool)? {
        try writer.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM received_alert WHERE id = ?", arguments: [id]) else {
                return nil
            }
            let alreadyAcked = (row["acked_at"] as Date?) != nil
            var toldSender = alreadyAcked
            if !alreadyAcked {
                try db.execute(sql: "UPDATE received_alert SET acked_at = ? WHERE id = ?", arguments: [now, id])
                let senderKey: Data = row["sender_key"]
                let sender = try Row.fetchOne(
                    db, sql: "SELECT \(ContactRecord.columns) FROM contact WHERE signing_key = ?", arguments: [senderKey]
                ).map(ContactRecord.init)
                // The guardians it came through hold tier-2 copies back on a tier-1 ack, as the user's node does.
                let cards = try guardianCards(row["guardian_cards"], id: id).compactMap { try? ContactCard(parsing: $0) }
                let acks = queue(AckRecipients(
                    alertID: row["alert_id"], planID: row["plan_id"], userKey: senderKey, sender: sender, guardianCards: cards))
                if let entry = acks.toSender {
                    try insertOutbox(db, entry)
                    toldSender = true
                }
                for relay in acks.toGuardians {
                    try insertOutbox(db, card: relay, planID: row["plan_id"], now: now)
                }
            }
            return try Row.fetchOne(db, sql: "SELECT * FROM received_alert WHERE id = ?", arguments: [id])
                .map { (try receivedAlert($0, withPhoto: false), toldSender) }
        }
    }

    private func receivedAlert(_ row: Row, withPhoto: Bool) throws -> ReceivedAlert {
        let id: String = row["id"]
        let content = try cipher.open(ReceivedContent.self, from: row["content"], for: Self.receivedColumn(id))
        let payload = content.message.payload
        let position = payload.lastLocation?.geo ?? payload.place.geo
        return ReceivedAlert(
            id: id, plan: payload.plan, from: content.from, reason: payload.reason.rawValue, late: content.message.late,
            match: payload.match, place: payload.place.name, geo: payload.place.geo, raisedAt: payload.raisedAt,
            deadline: payload.deadline, receivedAt: row["received_at"], ackedAt: row["acked_at"],
            resolvedAt: row["resolved_at"], checkedInAt: row["checked_in_at"], start: payload.start, until: payload.until,
            trail: payload.trail, checkIns: payload.checkIns, history: payload.history,
            mapLink: position.map { "https://www.openstreetmap.org/?mlat=\($0.lat)&mlon=\($0.lon)#map=17/\($0.lat)/\($0.lon)" },
            geoURI: position.map { "geo:\($0.lat),\($0.lon)" }, hasPhoto: content.message.photo != nil,
            photo: withPhoto ? content.message.photo : nil, via: Self.routes(row["via"]), revision: row["revision"],
            updatedAt: row["updated_at"])
    }

    // MARK: Hooks

    /// The jobs due by `now`. A job naming a hook or an event this version does not know has nothing to run:
    /// it is deleted, as a job whose hook a reload removed is done, so that it cannot hold up the others.
    func dueHookJobs(now: Date, limit: Int) throws -> [HookJob] {
        try writer.write { db in
            var unknown: [Int64] = []
            let jobs = try Row.fetchAll(
                db,
                sql: "SELECT id, alert_id, hook, event, attempts FROM hook_job WHERE next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?",
                arguments: [now, limit]
            ).compactMap { row -> HookJob? in
                let id: Int64 = row["id"]
                guard let event = HookEvent(rawValue: row["event"]), let hook = HookKind(rawValue: row["hook"]) else {
                    unknown.append(id)
                    return nil
                }
                return HookJob(id: id, alertID: row["alert_id"], hook: hook, event: event, attempts: row["attempts"])
            }
            for id in unknown { try db.execute(sql: "DELETE FROM hook_job WHERE id = ?", arguments: [id]) }
            return jobs
        }
    }

    func earliestHookJob() throws -> Date? {
        try writer.read { db in try Date.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM hook_job") }
    }

    func finishHookJob(id: Int64) throws {
        try writer.write { db in try db.execute(sql: "DELETE FROM hook_job WHERE id = ?", arguments: [id]) }
    }

    func retryHookJob(id: Int64, next: Date, error: String) throws {
        try writer.write { db in
            try db.execute(
                sql: "UPDATE hook_job SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?",
                arguments: [next, error, id])
        }
    }
}
