import CheckInCore
import Foundation
import GRDB
import MeetupProtocol

/// The receiving half of delivery: opens, verifies and stores one envelope, in the order of
/// docs/PROTOCOL.md ("Opening an envelope"), and answers with a signed receipt. Refusals are counted and
/// logged by code only; nothing refused is stored or shown.
struct Inbox {
    let node: Node

    enum Answer {
        case receipt(Data)
        case refused(EnvelopeError)
        case unavailable
    }

    func receive(_ sealed: Data) -> Answer {
        do {
            return try accept(sealed)
        } catch let error as EnvelopeError {
            node.envelopeCounters.refused(error.code)
            node.logger.info("envelope refused", metadata: ["code": "\(error.code)"])
            return .refused(error)
        } catch {
            node.logger.error("envelope not stored", metadata: ["error_type": "\(type(of: error))"])
            return .unavailable
        }
    }

    private func accept(_ sealed: Data) throws -> Answer {
        let envelope = try Envelope.open(sealed, with: node.keys.sealing)
        guard let contact = try node.store.contact(signingKey: envelope.sender) else { throw EnvelopeError.unknownSender }
        let now = node.clock.now
        try envelope.checkTimes(now: now)
        guard let type = envelope.type, type != .receipt else {
            // Receipts travel only in HTTP answers.
            throw EnvelopeError.unknownType(envelope.typeByte)
        }
        let apply = try applier(for: type, envelope: envelope, from: contact, now: now)
        // An ack of a silent alert (duress) leaves no trace on the user's node: no count, no log line.
        let quiet = try type == .ack && node.store.isSilentAlert(id: WireJSON.decode(AckMessage.self, from: envelope.body).alert)
        let fresh = try node.store.acceptOnce(envelopeID: envelope.id, expires: envelope.expires, apply: apply)
        if fresh {
            if !quiet {
                node.envelopeCounters.accepted()
                node.logger.info("envelope accepted", metadata: ["type": "\(type)", "contact": "\(contact.id)"])
            }
            node.courierWakeup.nudge()
            node.hookWakeup.nudge()
        } else if !quiet {
            node.envelopeCounters.refused("replayed")
            node.logger.info("envelope repeated; not stored again", metadata: ["type": "\(type)"])
        }
        let receipt = Envelope(
            type: .receipt, created: now, expires: now.addingTimeInterval(86_400), sender: node.keys.signing.publicKey,
            body: WireJSON.encode(ReceiptMessage(envelope: envelope.id.hexString, receivedAt: now, duplicate: !fresh)))
        return .receipt(receipt.seal(signer: node.keys.signing, to: contact.sealingKey))
    }

    /// Parses the body before any write, and returns what storing it means.
    private func applier(
        for type: MessageType, envelope: Envelope, from contact: ContactRecord, now: Date
    ) throws -> (Database) throws -> Void {
        let store = node.store
        switch type {
        case .alert:
            let message = try WireJSON.decode(AlertMessage.self, from: envelope.body)
            try Self.check(message)
            let hooks = node.configuration.hooks.names
            return { db in try store.insertReceivedAlert(db, message, from: contact, at: now, hooks: hooks) }
        case .ack:
            let message = try WireJSON.decode(AckMessage.self, from: envelope.body)
            return { db in _ = try store.recordAck(db, alertID: message.alert, contactID: contact.id, at: now) }
        case .resolved:
            let message = try WireJSON.decode(ResolvedMessage.self, from: envelope.body)
            return { db in try store.applyResolved(db, message, from: contact) }
        case .replica:
            let message = try WireJSON.decode(ReplicaMessage.self, from: envelope.body)
            // Any contact may ask this node to watch a plan: pairing with them was the consent.
            return { db in try store.storeReplica(db, message, from: contact, at: now) }
        case .standDown:
            let message = try WireJSON.decode(StandDownMessage.self, from: envelope.body)
            return { db in try store.applyStandDown(db, message, from: contact) }
        case .receipt:
            throw EnvelopeError.unknownType(envelope.typeByte)
        }
    }

    /// What a careless or hostile sender could put in an alert that would hurt the reader: ids that are not
    /// ids, and text fields beyond the limits the user's own node enforces.
    static func check(_ message: AlertMessage) throws(EnvelopeError) {
        let id = message.alert.utf8
        guard (1...64).contains(id.count), id.allSatisfy({ $0.isIDCharacter }),
              (1...64).contains(message.payload.plan.utf8.count), message.payload.plan.utf8.allSatisfy({ $0.isIDCharacter })
        else { throw .badBody("alert and plan must be short ids") }
        let match = message.payload.match
        let fields = [match.pseudonym, match.platform, match.profile, match.phone, message.payload.place.name]
        guard fields.allSatisfy({ ($0 ?? "").count <= MatchDetails.fieldLimit }), (match.note ?? "").count <= MatchDetails.noteLimit,
              !match.pseudonym.isEmpty, !message.payload.place.name.isEmpty,
              message.payload.trail.count <= 1_000, message.payload.history.count <= 10_000,
              message.payload.checkIns.count <= 10_000,
              message.payload.trail.allSatisfy({ ($0.accuracy ?? 0).isFinite && (0...LocationFix.accuracyLimit).contains($0.accuracy ?? 0) })
        else { throw .badBody("a field is empty, too long, or out of range") }
        if let photo = message.photo {
            do { try PlanInput.checkPhoto(photo) } catch { throw .badBody("the photo is not a JPEG, PNG or WebP of at most 5 MiB") }
        }
    }
}

private extension UInt8 {
    var isIDCharacter: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || self == UInt8(ascii: "-") || self == UInt8(ascii: "_")
    }
}
