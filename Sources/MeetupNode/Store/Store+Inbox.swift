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

/// A row of `seen_envelope`: an envelope id accepted, kept until it expires, so that a repeated id is never
/// stored or shown twice.
struct SeenEnvelopeRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "seen_envelope"

    var id: Data
    var expiresAt: Date

    enum CodingKeys: String, CodingKey {
        case id
        case expiresAt = "expires_at"
    }

    static func expired(by now: Date) -> QueryInterfaceRequest<Self> { filter(Column(CodingKeys.expiresAt) <= now) }
}

extension Store {
    /// In one savepoint of a group commit, committed before it returns: records the envelope's id, then
    /// `apply`s the message. Returns false, and applies nothing, when the id was accepted before. Every
    /// envelope comes through here: one statement, prepared once per connection.
    func acceptOnce(envelopeID: Data, expires: Date, apply: (Database) throws -> Void) throws -> Bool {
        try groupCommit.write { db in
            try db.cachedStatement(sql: "INSERT INTO seen_envelope (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING")
                .execute(arguments: [envelopeID, expires])
            if db.changesCount == 0 { return false }
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
        if var incident = try ReceivedAlertRecord.incident(of: message, from: key).fetchOne(db) {
            if !incident.via.contains(route) { incident.via.append(route) }
            var cards = try guardianCards(of: incident)
            if let guardianCard, !cards.contains(guardianCard.text) { cards.append(guardianCard.text) }
            incident.guardianCards = try sealGuardianCards(cards, id: incident.id)
            var ackAgain: AckAgain?
            if route == Self.directRoute, incident.alertID != message.alert {
                incident.alertID = message.alert
                if let ackedAt = incident.ackedAt {
                    ackAgain = AckAgain(alertID: message.alert, planID: payload.plan, ackedAt: ackedAt)
                }
            }
            let revision = message.revision ?? 0
            if route == Self.directRoute, revision > incident.revision {
                // An update comes without the photo, which the first copy brought.
                var update = message
                if update.photo == nil {
                    update.photo = try cipher.open(
                        ReceivedContent.self, from: incident.content, for: Self.receivedColumn(incident.id)).message.photo
                }
                incident.content = try cipher.seal(ReceivedContent(from: contact.name, message: update), for: Self.receivedColumn(incident.id))
                incident.reason = payload.reason
                incident.revision = revision
                incident.updatedAt = now
                try insertHookJobs(db, .receivedAlert(incident.id), hooks: hooks, event: .update, at: now)
            }
            try incident.update(db)
            return ackAgain
        }
        let id = newID
        try Self.insertRow(ReceivedAlertRecord(
            id: id, alertID: message.alert, senderKey: key, contactID: contact.id, planID: payload.plan, reason: payload.reason,
            raisedAt: payload.raisedAt, receivedAt: now, deadline: payload.deadline, via: [route],
            guardianCards: try sealGuardianCards(guardianCard.map { [$0.text] } ?? [], id: id),
            content: try cipher.seal(ReceivedContent(from: contact.name, message: message), for: Self.receivedColumn(id)),
            revision: message.revision ?? 0
        ), db)
        try insertHookJobs(db, .receivedAlert(id), hooks: hooks, event: .alert, at: now)
        return nil
    }

    /// Marks the alerts of the plan received from `contact` as resolved or checked in after, and queues the
    /// hooks that tell of it (a friend woken at 2 a.m. must hear that it is over). Duress and PIN-failure
    /// alerts stay open until someone acknowledges them: a person forced once may be forced again, and only a
    /// human who has spoken to them should close that. Each is told once: a repeated message changes nothing.
    func applyResolved(_ db: Database, _ message: ResolvedMessage, from contact: ContactRecord, hooks: [HookKind], at now: Date) throws {
        let columns = ReceivedAlertRecord.Columns.self
        let (column, event): (Column, HookEvent) = message.state == .done ? (columns.resolvedAt, .resolved) : (columns.checkedInAt, .checkedIn)
        let told = ReceivedAlertRecord
            .filter(columns.planID == message.plan && columns.senderKey == contact.signingKey.bytes)
            .filter(![AlertReason.duress, AlertReason.pinFailures].contains(columns.reason))
            .filter(column == nil)
            // Only the alerts it comes after: a late "checked in" must not mark a newer alert safe.
            .filter(Column(ReceivedAlertRecord.CodingKeys.raisedAt) <= message.at)
        let ids = try told.select(columns.id, as: String.self).fetchAll(db)
        try told.updateAll(db, column.set(to: message.at))
        for id in ids { try insertHookJobs(db, .receivedAlert(id), hooks: hooks, event: event, at: now) }
    }

    /// Another contact of the alert's user acknowledged it: kept once per name. From the user's node, on
    /// every alert of that id from it; from a guardian (`user` names someone else), on the alerts of that
    /// user's plan that came through that guardian. Returns how many alerts it concerns: none for an alert
    /// this node does not hold.
    @discardableResult
    func applyAcked(_ db: Database, _ message: AckedMessage, from sender: SigningPublicKey) throws -> Int {
        let columns = ReceivedAlertRecord.Columns.self
        let alerts: [ReceivedAlertRecord]
        if let userHex = message.user, let user = Data(hexString: userHex), user != sender.bytes {
            alerts = try ReceivedAlertRecord.filter(columns.senderKey == user && columns.planID == message.plan).fetchAll(db)
                .filter { alert in
                    try guardianCards(of: alert).contains { (try? ContactCard(parsing: $0))?.signingKey == sender }
                }
        } else {
            alerts = try ReceivedAlertRecord.filter(columns.senderKey == sender.bytes && columns.alertID == message.alert).fetchAll(db)
        }
        // One entry per name, and a bounded list: a peer cannot grow a row without end.
        for var alert in alerts where !alert.acks.contains(where: { $0.name == message.by }) && alert.acks.count < Self.ackNoteLimit {
            alert.acks.append(AckNote(name: message.by, at: message.ackedAt))
            try alert.update(db)
        }
        return alerts.count
    }

    /// The most "on it" entries an alert keeps: more than any plan has contacts.
    static let ackNoteLimit = 100

    /// The cards of `guardian` stored with the alerts of the message's user and plan: the alerts came through
    /// it. Empty when none did.
    func guardianCards(of message: AckedMessage, from guardian: SigningPublicKey) throws -> [ContactCard] {
        guard let userHex = message.user, let user = Data(hexString: userHex) else { return [] }
        let columns = ReceivedAlertRecord.Columns.self
        return try writer.read { db in
            try ReceivedAlertRecord.filter(columns.senderKey == user && columns.planID == message.plan).fetchAll(db)
                .flatMap { try guardianCards(of: $0).compactMap { try? ContactCard(parsing: $0) } }
                .filter { $0.signingKey == guardian }
        }
    }

    /// Marks a received alert acknowledged and queues the signed acks `queue` makes for its recipients, in
    /// one transaction. Returns nil when there is no such alert; `toldSender` false when the sender is no
    /// longer a contact.
    func ackReceivedAlert(
        id: String, at now: Date, queue: (AckRecipients) -> (toSender: OutboxEntry?, toGuardians: [CardEnvelope])
    ) throws -> (alert: ReceivedAlert, toldSender: Bool)? {
        try writer.write { db in
            guard var alert = try ReceivedAlertRecord.fetchOne(db, key: id) else { return nil }
            var toldSender = alert.ackedAt != nil
            if alert.ackedAt == nil {
                alert.ackedAt = now
                try alert.update(db)
                let sender = try contact(db, signingKey: alert.senderKey)
                // The guardians it came through hold tier-2 copies back on a tier-1 ack, as the user's node does.
                let cards = try guardianCards(of: alert).compactMap { try? ContactCard(parsing: $0) }
                let acks = queue(AckRecipients(
                    alertID: alert.alertID, planID: alert.planID, userKey: alert.senderKey, sender: sender, guardianCards: cards))
                if let entry = acks.toSender {
                    try insertOutbox(db, entry)
                    toldSender = true
                }
                for relay in acks.toGuardians {
                    try insertOutbox(db, card: relay, planID: alert.planID, now: now)
                }
            }
            return (try receivedAlert(alert, withPhoto: false), toldSender)
        }
    }
}
