import CheckInCore
import Foundation
import GRDB
import Logging
import MeetupCrypto
import MeetupProtocol

/// The receiving half of delivery: opens, verifies and stores one envelope, in the order of
/// docs/PROTOCOL.md ("Opening an envelope"), and answers with a signed receipt. Refusals are counted and
/// logged by code only; nothing refused is stored or shown.
package struct Inbox: Sendable {
    let store: Store
    let clock: any WallClock
    /// Opens what arrives.
    let keys: NodeKeys
    /// Signs the receipts and liveness statements sent back.
    let signer: EnvelopeSigner
    /// Catches a watched plan up for a guardian's liveness question.
    let machine: CheckInMachine
    let hooks: CurrentHooks
    /// As a guardian: how long after deadline + grace a watched plan waits for a heartbeat.
    let slack: TimeInterval
    let counters: EnvelopeCounters
    /// Called after a contact's new card is taken: this node's own card lists its mailbox at its host's
    /// endpoint, and is published again when that moved.
    let cardChanged: @Sendable () -> Void
    let logger: Logger

    enum Answer {
        /// A sealed envelope for the sender: a receipt, or a liveness statement.
        case reply(Reply)
        case refused(EnvelopeError)
        case unavailable
    }

    /// What goes back to the sender: in the HTTP answer, or, for an envelope that came through a mailbox,
    /// through the outbox to the sender's endpoints (`queued`).
    struct Reply {
        let envelope: Envelope
        let sealed: Data
        /// Whom it goes back to: a contact, or someone known by a card (a guardian relaying, a user's contact).
        let to: ReplyRecipient
        /// What it answers: a receipt is never answered through the outbox, since the other side would answer
        /// that, and so on; nor is a liveness request, which a guardian takes only in its HTTP answer.
        let answers: UInt8

        /// The outbox row that sends it back, when it answers an envelope fetched from a mailbox.
        func queued(at now: Date) -> Queued? {
            guard answers != MessageType.receipt.rawValue, answers != MessageType.livenessRequest.rawValue else { return nil }
            switch to {
            case let .contact(contact):
                return .contact(OutboxEntry(
                    envelopeID: envelope.id, contact: contact, type: envelope.type ?? .receipt, planID: nil, alertID: nil,
                    sealed: sealed, createdAt: now, expiresAt: envelope.expires, nextAttemptAt: now))
            case let .card(card):
                return .card(CardEnvelope(
                    type: envelope.type ?? .receipt, card: card, name: card.name, tier: 1, id: envelope.id, sealed: sealed,
                    expires: envelope.expires, notBefore: now))
            }
        }

        enum Queued {
            case contact(OutboxEntry)
            case card(CardEnvelope)
        }
    }

    enum ReplyRecipient {
        case contact(ContactRecord)
        case card(ContactCard)

        var sealingKey: SealingPublicKey {
            switch self {
            case let .contact(contact): contact.sealingKey
            case let .card(card): card.sealingKey
            }
        }
    }

    func receive(_ sealed: Data) -> Answer {
        do {
            return try accept(sealed)
        } catch let error as EnvelopeError {
            counters.refused(error.code)
            logger.info("envelope refused", metadata: ["code": "\(error.code)"])
            return .refused(error)
        } catch {
            logger.error("envelope not stored", metadata: ["error_type": "\(type(of: error))"])
            return .unavailable
        }
    }

    private func accept(_ sealed: Data) throws -> Answer {
        let envelope = try Envelope.open(sealed, with: keys.sealing)
        let now = clock.now
        // A relayed alert may come from a guardian this node does not know: its escrow vouches for it.
        if envelope.typeByte == MessageType.relayedAlert.rawValue { return try acceptRelayed(envelope, now: now) }
        // A receipt for an envelope that went through a mailbox: it names an envelope sent to its sender.
        if envelope.typeByte == MessageType.receipt.rawValue { return try acceptReceipt(envelope, now: now) }
        guard let contact = try store.contact(signingKey: envelope.sender) else {
            // An ack from one of a watched user's contacts, who need not know this guardian.
            if envelope.typeByte == MessageType.ack.rawValue { return try acceptGuardianAck(envelope, now: now) }
            // A guardian that raised the alarm, telling who else is on it: its card came with the alert.
            if envelope.typeByte == MessageType.acked.rawValue { return try acceptRelayedAcked(envelope, now: now) }
            throw EnvelopeError.unknownSender
        }
        try envelope.checkTimes(now: now)
        guard let type = envelope.type, type != .liveness else {
            // Liveness statements travel only in HTTP answers.
            throw EnvelopeError.unknownType(envelope.typeByte)
        }
        if type == .livenessRequest { return try answerLiveness(envelope, from: contact, now: now) }
        let apply = try applier(for: type, envelope: envelope, from: contact, now: now)
        // An ack of a silent alert (duress) leaves no trace on the user's node: no count, no log line.
        let quiet = try type == .ack && store.isSilentAlert(id: WireJSON.decode(AckMessage.self, from: envelope.body).alert)
        let fresh = try store.acceptOnce(envelopeID: envelope.id, expires: envelope.expires, apply: apply)
        if fresh, type == .cardUpdate { cardChanged() }
        if fresh {
            if !quiet {
                counters.accepted()
                logger.info("envelope accepted", metadata: ["type": "\(type)", "contact": "\(contact.id)"])
            }
        } else if !quiet {
            counters.refused("replayed")
            logger.info("envelope repeated; not stored again", metadata: ["type": "\(type)"])
        }
        return receipt(for: envelope, duplicate: !fresh, to: .contact(contact), now: now)
    }

    private func receipt(for envelope: Envelope, duplicate: Bool, to recipient: ReplyRecipient, now: Date) -> Answer {
        reply(.receipt, WireJSON.encode(ReceiptMessage(envelope: envelope.id.hexString, receivedAt: now, duplicate: duplicate)),
              answering: envelope, to: recipient, now: now)
    }

    private func reply(_ type: MessageType, _ body: Data, answering request: Envelope, to recipient: ReplyRecipient, now: Date) -> Answer {
        let (envelope, sealed) = signer.seal(type, body, to: recipient.sealingKey, at: now, lifetime: 86_400)
        return .reply(Reply(envelope: envelope, sealed: sealed, to: recipient, answers: request.typeByte))
    }

    /// A receipt POSTed, not in an HTTP answer: the recipient of an envelope this node sent got it through a
    /// mailbox. It marks that envelope delivered when it names one sent to its signer; from a contact, one
    /// that names nothing (already delivered, or expired) is taken and changes nothing. Like a receipt in an
    /// HTTP answer it is bookkeeping: no count, no log line (the receipt of a silent alert's copy must not show).
    private func acceptReceipt(_ envelope: Envelope, now: Date) throws -> Answer {
        try envelope.checkTimes(now: now)
        let message = try WireJSON.decode(ReceiptMessage.self, from: envelope.body)
        guard let id = Data(hexString: message.envelope), id.count == Envelope.idByteCount else {
            throw EnvelopeError.badBody("the receipt's envelope is not a 32-digit hex id")
        }
        let contact = try store.contact(signingKey: envelope.sender)
        guard let recipient = try contact.map(ReplyRecipient.contact) ?? store.outboxCard(envelopeID: id, sentTo: envelope.sender).map(ReplyRecipient.card)
        else { throw EnvelopeError.unknownSender }
        let fresh = try store.acceptOnce(envelopeID: envelope.id, expires: envelope.expires) { db in
            try store.markDelivered(db, envelopeID: id, to: envelope.sender, at: now)
        }
        return receipt(for: envelope, duplicate: !fresh, to: recipient, now: now)
    }

    /// A guardian asks whether the plan is alive: the answer is the plan's state, signed, naming its nonce.
    private func answerLiveness(_ envelope: Envelope, from contact: ContactRecord, now: Date) throws -> Answer {
        let request = try WireJSON.decode(LivenessRequestMessage.self, from: envelope.body)
        try Self.checkID(request.plan)
        guard request.nonce.utf8.count == 32, request.nonce.utf8.allSatisfy({ $0.isLowercaseHexDigit }) else {
            throw EnvelopeError.badBody("the nonce is 32 lowercase hex digits")
        }
        guard let state = try store.planState(request.plan, forGuardian: contact, machine: machine, now: now) else {
            throw EnvelopeError.badBody("no such plan that this contact guards")
        }
        let statement = LivenessMessage(
            plan: request.plan, nonce: request.nonce, phase: state.phase, deadline: state.deadline,
            lastCheckIn: state.lastCheckIn)
        return reply(.liveness, WireJSON.encode(statement), answering: envelope, to: .contact(contact), now: now)
    }

    /// An ack for a plan this node watches, from a contact of its user named in the replica.
    private func acceptGuardianAck(_ envelope: Envelope, now: Date) throws -> Answer {
        try envelope.checkTimes(now: now)
        let ack = try WireJSON.decode(AckMessage.self, from: envelope.body)
        try Self.checkIDs(ack.alert, ack.plan)
        guard let (card, tier) = try store.watchedPlanContact(ack, acker: envelope.sender) else {
            throw EnvelopeError.unknownSender
        }
        let relays = try ackRelays(ack, acker: envelope.sender, now: now)
        let fresh = try store.acceptOnce(envelopeID: envelope.id, expires: envelope.expires) { db in
            if tier == 1 { try store.holdBackTierTwo(db, planID: ack.plan) }
            for relay in relays { try store.insertOutbox(db, card: relay, planID: ack.plan, now: now) }
        }
        if fresh {
            counters.accepted()
            logger.info("envelope accepted", metadata: ["type": "ack", "plan": "\(ack.plan)"])
        } else {
            counters.refused("replayed")
        }
        return receipt(for: envelope, duplicate: !fresh, to: .card(card), now: now)
    }

    /// As a guardian that raised the alarm: that `acker` is on it, to the plan's other contacts by their cards,
    /// named as the user named them, so that those who got the alert only from this guardian hear it too.
    private func ackRelays(_ ack: AckMessage, acker: SigningPublicKey, now: Date) throws -> [CardEnvelope] {
        guard let replica = try store.alarmedReplica(ack) else { return [] }
        let cards = replica.contacts.compactMap { contact in (try? ContactCard(parsing: contact.card)).map { (contact, $0) } }
        guard let name = cards.first(where: { $0.1.signingKey == acker })?.0.name else { return [] }
        let body = WireJSON.encode(AckedMessage(alert: ack.alert, plan: ack.plan, by: name, ackedAt: ack.ackedAt, user: ack.user))
        let seal = signer.sealers(at: now).card
        return cards.filter { $0.1.signingKey != acker }.map { seal(.acked, body, $0.1) }
    }

    /// From a guardian this node does not know: accepted when it names alerts of its user that came through it.
    private func acceptRelayedAcked(_ envelope: Envelope, now: Date) throws -> Answer {
        try envelope.checkTimes(now: now)
        let message = try WireJSON.decode(AckedMessage.self, from: envelope.body)
        try Self.check(message)
        let cards = try store.guardianCards(of: message, from: envelope.sender)
        guard let card = cards.first else { throw EnvelopeError.unknownSender }
        let fresh = try store.acceptOnce(envelopeID: envelope.id, expires: envelope.expires) { db in
            try store.applyAcked(db, message, from: envelope.sender)
        }
        if fresh { counters.accepted() } else { counters.refused("replayed") }
        return receipt(for: envelope, duplicate: !fresh, to: .card(card), now: now)
    }

    /// A guardian's relayed alert (docs/PROTOCOL.md, "Relayed alert"): accepted when the escrow inside opens
    /// with this node's key, is an alert from a contact, and names the outer sender among its guardians.
    private func acceptRelayed(_ envelope: Envelope, now: Date) throws -> Answer {
        try envelope.checkTimes(now: now)
        let relayed = try WireJSON.decode(RelayedAlertMessage.self, from: envelope.body)
        // A guardian relays only missed check-ins, for a deadline: it cannot turn an escrow into another alarm.
        guard relayed.reason == .missed, relayed.deadline != nil else { throw EnvelopeError.badBody("a relayed alert is a missed deadline") }
        guard let guardianCard = try? ContactCard(parsing: relayed.guardianCard), guardianCard.signingKey == envelope.sender else {
            throw EnvelopeError.badBody("the guardian's card does not match its signature")
        }
        let inner: Envelope
        do {
            inner = try Envelope.open(relayed.escrow, with: keys.sealing)
        } catch {
            // The outer envelope was for this node: an escrow sealed to another is the guardian's mistake, final.
            throw error == .wrongRecipient ? EnvelopeError.badBody("the escrow is not sealed to this node") : error
        }
        guard let user = try store.contact(signingKey: inner.sender) else { throw EnvelopeError.unknownSender }
        try inner.checkTimes(now: now)
        guard inner.type == .alert, relayed.user == inner.sender.bytes.hexString else { throw EnvelopeError.unknownSender }
        var message = try WireJSON.decode(AlertMessage.self, from: inner.body)
        guard message.escrow == true, message.payload.plan == relayed.plan,
              let route = message.guardians?.first(where: { $0.key == envelope.sender.bytes.hexString })
        else { throw EnvelopeError.unknownSender }
        if let escrowed = message.payload.deadline, let deadline = relayed.deadline, deadline < escrowed {
            throw EnvelopeError.badBody("the relayed deadline is before the escrowed one")
        }
        try Self.check(message)
        message.payload.reason = relayed.reason
        message.payload.raisedAt = relayed.raisedAt
        message.payload.deadline = relayed.deadline
        message.late = relayed.late
        let hooks = hooks.value.alert.kinds
        let relayedMessage = message
        let receiver = alertReceiver(at: now)
        let fresh = try store.acceptOnce(envelopeID: envelope.id, expires: envelope.expires) { db in
            try receiver.receive(db, relayedMessage, from: user, at: now, hooks: hooks, via: route.name, guardianCard: guardianCard)
        }
        if fresh {
            counters.accepted()
            logger.info("envelope accepted", metadata: ["type": "relayed-alert", "contact": "\(user.id)"])
        } else {
            counters.refused("replayed")
        }
        return receipt(for: envelope, duplicate: !fresh, to: .card(guardianCard), now: now)
    }

    /// Stores received alerts, and acks them again when their id changes.
    func alertReceiver(at now: Date) -> AlertReceiver {
        let sealers = signer.sealers(at: now)
        return AlertReceiver(store: store, acks: AckEnvelopes(seal: sealers.contact, sealToCard: sealers.card))
    }

    /// Parses the body before any write, and returns what storing it means.
    private func applier(
        for type: MessageType, envelope: Envelope, from contact: ContactRecord, now: Date
    ) throws -> (Database) throws -> Void {
        switch type {
        case .alert:
            let message = try WireJSON.decode(AlertMessage.self, from: envelope.body)
            // Escrow comes only inside a guardian's relayed alert, so that contacts see it came via the guardian.
            guard message.escrow != true else { throw EnvelopeError.badBody("an escrowed alert sent directly") }
            try Self.check(message)
            let hooks = hooks.value.alert.kinds
            let receiver = alertReceiver(at: now)
            return { db in
                try receiver.receive(db, message, from: contact, at: now, hooks: hooks, via: Store.directRoute, guardianCard: nil)
            }
        case .ack:
            let message = try WireJSON.decode(AckMessage.self, from: envelope.body)
            try Self.checkIDs(message.alert, message.plan)
            let watched = try store.watchedPlanContact(message, acker: contact.signingKey)
            let relays = try ackRelays(message, acker: contact.signingKey, now: now)
            let sealers = signer.sealers(at: now)
            let acks = AckEnvelopes(seal: sealers.contact, sealToCard: sealers.card)
            return { db in
                let repeated = try store.hasAcked(db, alertID: message.alert, contactID: contact.id)
                if try store.recordAck(db, alertID: message.alert, contactID: contact.id, at: now), !repeated {
                    // The alert's other contacts hear who is on it.
                    let holders = try store.alertCopyHolders(db, alertID: message.alert, excluding: contact.id)
                    for entry in acks.relays(of: message, by: contact.name, to: holders) { try store.insertOutbox(db, entry) }
                }
                if watched?.tier == 1 { try store.holdBackTierTwo(db, planID: message.plan) }
                for relay in relays { try store.insertOutbox(db, card: relay, planID: message.plan, now: now) }
            }
        case .acked:
            let message = try WireJSON.decode(AckedMessage.self, from: envelope.body)
            try Self.check(message)
            return { db in try store.applyAcked(db, message, from: contact.signingKey) }
        case .cardUpdate:
            let message = try WireJSON.decode(CardUpdateMessage.self, from: envelope.body)
            return { db in
                let sender = contact.signingKey
                guard try store.updateCard(db, of: contact, replacing: { try message.replacing($0, sender: sender) }) != nil else {
                    return
                }
                try store.replicateRunningPlans(db, alerting: contact.id, at: now)
            }
        case .resolved:
            let message = try WireJSON.decode(ResolvedMessage.self, from: envelope.body)
            try Self.checkID(message.plan)
            let hooks = hooks.value.alert.kinds
            return { db in try store.applyResolved(db, message, from: contact, hooks: hooks, at: now) }
        case .replica:
            let message = try WireJSON.decode(ReplicaMessage.self, from: envelope.body)
            try Self.checkID(message.plan)
            // Any contact may ask this node to watch a plan: pairing with them was the consent.
            return { db in try store.storeReplica(db, message, from: contact, at: now, slack: slack) }
        case .heartbeat:
            let message = try WireJSON.decode(HeartbeatMessage.self, from: envelope.body)
            try Self.checkID(message.plan)
            // A plan on watch has a deadline: a heartbeat without one would stop the guardian's watch.
            guard message.deadline != nil || (message.phase != .active && message.phase != .grace) else {
                throw EnvelopeError.badBody("a heartbeat of a plan on watch names its deadline")
            }
            return { db in try store.applyHeartbeat(db, message, from: contact, slack: slack) }
        case .standDown:
            let message = try WireJSON.decode(StandDownMessage.self, from: envelope.body)
            try Self.checkID(message.plan)
            return { db in try store.applyStandDown(db, message, from: contact, at: now, recheckAfter: Watchdog.alertedRecheck) }
        case .receipt, .liveness, .livenessRequest, .relayedAlert, .mailboxFetch:
            throw EnvelopeError.unknownType(envelope.typeByte)
        }
    }

    /// A name that is a name: a contact's, as short as the user's node allows them (a peer's text, shown as is).
    static func check(_ message: AckedMessage) throws(EnvelopeError) {
        try checkIDs(message.alert, message.plan)
        guard (1...ContactService.nameLimit).contains(message.by.count) else { throw .badBody("by must be a contact's name") }
    }

    /// Alert and plan ids: 1 to 64 characters of `[A-Za-z0-9_-]` in every body (docs/PROTOCOL.md, "Message bodies").
    static func checkID(_ id: String) throws(EnvelopeError) {
        guard (1...64).contains(id.utf8.count), id.utf8.allSatisfy({ $0.isIDCharacter }) else { throw .badBody("alert and plan must be short ids") }
    }

    static func checkIDs(_ ids: String...) throws(EnvelopeError) {
        for id in ids { try checkID(id) }
    }

    /// What a careless or hostile sender could put in an alert that would hurt the reader: ids that are not
    /// ids, and text fields beyond the limits the user's own node enforces.
    package static func check(_ message: AlertMessage) throws(EnvelopeError) {
        try checkIDs(message.alert, message.payload.plan)
        let match = message.payload.match
        let fields = [match.pseudonym, match.platform, match.profile, match.phone, message.payload.place.name]
        guard fields.allSatisfy({ ($0 ?? "").count <= MatchDetails.fieldLimit }), (match.note ?? "").count <= MatchDetails.noteLimit,
              !match.pseudonym.isEmpty, !message.payload.place.name.isEmpty,
              message.payload.trail.count <= 1_000, message.payload.history.count <= 10_000,
              message.payload.checkIns.count <= 10_000,
              message.payload.trail.allSatisfy(\.isWellFormed),
              (0...AlertMessage.revisionLimit).contains(message.revision ?? 0),
              message.payload.history.allSatisfy({ $0.kind.count <= 64 && ($0.note ?? "").count <= MatchDetails.noteLimit }),
              (match.photo ?? "").utf8.count <= 64, (message.guardians ?? []).count <= 16,
              (message.guardians ?? []).allSatisfy({ $0.key.utf8.count == 64 && $0.name.count <= ContactService.nameLimit })
        else { throw .badBody("a field is empty, too long, or out of range") }
        if let photo = message.photo {
            do { try PlanInput.checkPhoto(photo) } catch { throw .badBody("the photo is not a JPEG, PNG or WebP of at most 5 MiB") }
        }
    }
}

private extension UInt8 {
    var isLowercaseHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
    }

    var isIDCharacter: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || self == UInt8(ascii: "-") || self == UInt8(ascii: "_")
    }
}
