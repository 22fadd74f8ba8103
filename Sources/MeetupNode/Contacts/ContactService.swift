import Foundation
import Logging
import MeetupControl
import MeetupProtocol

/// What the control API does with this node's identity, its contacts, and the alerts they sent.
struct ContactService: Sendable {
    let store: Store
    let clock: any WallClock
    /// This node's identity: its fingerprint, for safety numbers.
    let keys: NodeKeys
    let ownCard: OwnCard
    /// Signs the acknowledgements sent to an alert's sender and guardians.
    let signer: EnvelopeSigner
    let logger: Logger
    static let nameLimit = 40

    func identity() throws(ControlError) -> IdentityInfo {
        let card: ContactCard
        do { card = try ownCard.make() } catch {
            throw .internalError(reason: "the card cannot be made: the node has no usable endpoint (see --advertise)")
        }
        return IdentityInfo(
            card: card.text, fingerprint: keys.fingerprint.hex, nodeID: keys.fingerprint.nodeID,
            warning: card.endpoints.allSatisfy(Self.isLocalOnly)
                ? "this card's endpoint \(card.endpoints[0]) is reachable only from this machine; contacts elsewhere need meetupd --advertise with an address they can reach"
                : nil)
    }

    /// Loopback and unspecified hosts: fine for nodes on one machine (tests, `make demo`), useless elsewhere.
    static func isLocalOnly(_ endpoint: String) -> Bool {
        guard let host = URLComponents(string: endpoint)?.host?.lowercased() else { return true }
        return host == "localhost" || host.hasPrefix("127.") || host == "0.0.0.0" || host == "[::1]" || host == "::1"
            || host == "[::]" || host == "::"
    }

    func add(_ request: ContactAddRequest) throws(ControlError) -> ContactInfo {
        let name = try Self.checkName(request.name)
        let tier = request.tier ?? 1
        guard tier == 1 || tier == 2 else { throw .invalidArgument("--tier: must be 1 or 2") }
        let card: ContactCard
        do { card = try ContactCard(parsing: request.card) } catch { throw .invalidCard(error.description) }
        guard card.signingKey != keys.signing.publicKey else {
            throw .invalidCard("this is this node's own card")
        }
        let record: ContactRecord
        do {
            record = try store.insertContact(card, name: name, tier: tier, guardian: request.guardian ?? false, at: clock.now)
        } catch let conflict as ContactConflict {
            switch conflict {
            case let .nameTaken(name): throw .contactExists("a contact named \"\(name)\" exists already; choose another name")
            case let .keyKnown(existing): throw .contactExists("this card is already the contact \"\(existing)\"")
            }
        } catch {
            throw ControlError(storeFailure: error, logger: logger)
        }
        logger.info("contact added", metadata: ["contact": "\(record.id)", "tier": "\(tier)"])
        // They may have paired from a card given out before this node's endpoints changed: they are sent the
        // current one (a repeat changes nothing at their end).
        do {
            let own = try ownCard.make()
            try store.queue(signer.entry(.cardUpdate, WireJSON.encode(CardUpdateMessage(card: own.text)), to: record, at: clock.now))
        } catch {
            logger.error("card not sent to the new contact", metadata: ["contact": "\(record.id)", "error_type": "\(type(of: error))"])
        }
        return info(record, card: card)
    }

    func list() throws(ControlError) -> ContactList {
        let records = try ControlError.storeCall(logger: logger) { try store.contacts() }
        return ContactList(contacts: records.map { info($0, card: try? store.card(of: $0)) })
    }

    func show(_ name: String) throws(ControlError) -> ContactInfo {
        let record = try find(name)
        return info(record, card: try ControlError.storeCall(logger: logger) { try store.card(of: record) })
    }

    func remove(_ name: String) throws(ControlError) -> Done {
        let record = try find(name)
        // Removing a contact stops its alerts, and a guardian's watch; that takes the PIN while a plan runs.
        if let plan = try ControlError.storeCall(logger: logger, { try store.removeContact(id: record.id) }).first {
            throw .contactInUse(name: record.name, plan: plan)
        }
        logger.info("contact removed", metadata: ["contact": "\(record.id)"])
        // A mailbox host removed takes the mailbox off this node's card.
        ownCard.publish(logger: logger)
        return Done()
    }

    func safetyNumber(_ name: String) throws(ControlError) -> SafetyNumberInfo {
        let record = try find(name)
        let theirs = NodeFingerprint(signingKey: record.signingKey, sealingKey: record.sealingKey)
        return SafetyNumberInfo(
            contact: record.name, safetyNumber: SafetyNumber.compute(keys.fingerprint, theirs),
            verifiedAt: record.verifiedAt)
    }

    func verify(_ name: String) throws(ControlError) -> SafetyNumberInfo {
        let record = try find(name)
        try ControlError.storeCall(logger: logger) { try store.markVerified(contactID: record.id, at: clock.now) }
        logger.info("contact verified", metadata: ["contact": "\(record.id)"])
        return try safetyNumber(name)
    }

    // MARK: Received alerts

    func alerts(all: Bool) throws(ControlError) -> ReceivedAlertList {
        ReceivedAlertList(alerts: try ControlError.storeCall(logger: logger) { try store.receivedAlerts(all: all) })
    }

    func alert(_ id: String) throws(ControlError) -> ReceivedAlert {
        guard let alert = try ControlError.storeCall(logger: logger, { try store.receivedAlert(id: id) }) else { throw .alertNotFound(id: id) }
        return alert
    }

    func ack(_ id: String) throws(ControlError) -> AckResult {
        let now = clock.now
        let sealers = signer.sealers(at: now)
        let acks = AckEnvelopes(seal: sealers.contact, sealToCard: sealers.card)
        guard let (alert, told) = try ControlError.storeCall(logger: logger, { try store.ackReceivedAlert(id: id, at: now) { acks.acks($0, at: now) } }) else {
            throw .alertNotFound(id: id)
        }
        logger.info("alert acknowledged", metadata: ["alert": "\(id)"])
        return AckResult(alert: alert, toldSender: told)
    }

    // MARK: Helpers

    /// A contact's name: what the user types in commands, so printable, short, and not like a flag.
    static func checkName(_ raw: String) throws(ControlError) -> String {
        let name = raw.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= nameLimit else {
            throw .invalidArgument("contact name: 1 to \(nameLimit) characters")
        }
        guard !name.hasPrefix("-"), name.unicodeScalars.allSatisfy({ !CharacterSet.controlCharacters.contains($0) }) else {
            throw .invalidArgument("contact name: must not start with - or hold control characters")
        }
        return name
    }

    private func find(_ name: String) throws(ControlError) -> ContactRecord {
        guard let record = try ControlError.storeCall(logger: logger, { try store.contact(named: name) }) else { throw .contactNotFound(name: name) }
        return record
    }

    private func info(_ record: ContactRecord, card: ContactCard?) -> ContactInfo {
        let fingerprint = NodeFingerprint(signingKey: record.signingKey, sealingKey: record.sealingKey)
        return ContactInfo(
            name: record.name, nodeID: fingerprint.nodeID, fingerprint: fingerprint.hex, tier: record.tier,
            guardian: record.guardian, verifiedAt: record.verifiedAt, addedAt: record.addedAt, cardName: card?.name,
            endpoints: card?.endpoints)
    }
}
