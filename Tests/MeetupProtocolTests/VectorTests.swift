import CheckInCore
import Foundation
import MeetupCrypto
@testable import MeetupProtocol
import Testing
import VectorFiles

/// The vectors in `Vectors/` were written by `Tests/Interop/protocol_peer.py make-vectors`, a Python peer
/// written from docs/PROTOCOL.md alone. Matching them byte for byte shows that the Swift code and the
/// document say the same thing.
struct VectorTests {
    static func vector(_ name: String) throws -> VectorFile {
        try #require(try VectorFile.all(in: ".").first { $0.name == name + ".txt" })
    }

    @Test func validCardParsesAndIsRebuiltByteForByte() throws {
        let vector = try Self.vector("card-valid")
        let card = try ContactCard(parsing: vector.fields["card"] ?? "")
        let signing = try SigningKeyPair(seed: try vector.hex("signing_seed"))
        let sealing = try SealingKeyPair(secretKey: try vector.hex("sealing_secret"))
        #expect(card.signingKey == signing.publicKey)
        #expect(card.sealingKey == sealing.publicKey)
        #expect(card.name == vector.fields["name"])
        #expect(card.endpoints == [vector.fields["endpoint"] ?? ""])
        #expect(WireTime.milliseconds(card.created) == UInt64(vector.fields["created_ms"] ?? ""))
        #expect(card.fingerprint.bytes == (try vector.hex("fingerprint")))
        #expect(card.fingerprint.nodeID == vector.fields["node_id"])
        let rebuilt = try ContactCard(
            signing: signing, sealingKey: sealing.publicKey, created: card.created, name: card.name, endpoints: card.endpoints)
        #expect(rebuilt.text == vector.fields["card"])
    }

    @Test func alteredCardIsRefused() throws {
        let vector = try Self.vector("card-altered")
        #expect(throws: CardError.badSignature) { try ContactCard(parsing: vector.fields["card"] ?? "") }
    }

    /// One altered character anywhere after the prefix refuses the card, whatever the character.
    @Test func everySingleCharacterChangeIsRefused() throws {
        let text = try Self.vector("card-valid").fields["card"] ?? ""
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var characters = Array(text)
        for index in ContactCard.prefix.count ..< characters.count {
            let original = characters[index]
            for replacement in [alphabet[(alphabet.firstIndex(of: original)! + 1) % 64], alphabet[(alphabet.firstIndex(of: original)! + 17) % 64]] {
                characters[index] = replacement
                #expect(throws: CardError.self, "position \(index)") { try ContactCard(parsing: String(characters)) }
            }
            characters[index] = original
        }
        #expect(throws: Never.self) { try ContactCard(parsing: String(characters)) }
    }

    @Test func cardSurvivesLineWrapping() throws {
        let text = try Self.vector("card-valid").fields["card"] ?? ""
        let wrapped = text.enumerated().map { $0.offset % 40 == 39 ? "\($0.element)\n  " : "\($0.element)" }.joined()
        #expect(try ContactCard(parsing: " " + wrapped + " \n").text == text)
    }

    @Test(arguments: ["envelope-alert", "receipt"])
    func envelopeIsSignedByteForByteAndOpens(name: String) throws {
        let vector = try Self.vector(name)
        let sender = try SigningKeyPair(seed: try vector.hex("sender_signing_seed"))
        let recipient = try SealingKeyPair(secretKey: try vector.hex("recipient_sealing_secret"))
        #expect(recipient.publicKey.bytes == (try vector.hex("recipient_sealing_public")))
        let type = try #require(MessageType(rawValue: UInt8(vector.fields["type"] ?? "") ?? 0))
        let envelope = Envelope(
            type: type, id: try vector.hex("id"), created: WireTime.date(UInt64(vector.fields["created_ms"] ?? "") ?? 0),
            expires: WireTime.date(UInt64(vector.fields["expires_ms"] ?? "") ?? 0), sender: sender.publicKey,
            body: try vector.hex("body"))
        let signed = envelope.signedBytes()
        #expect(signed == (try vector.hex("signed")))
        #expect(sender.sign(Envelope.signatureInput(recipient: recipient.publicKey, signed: signed)) == (try vector.hex("signature")))
        let opened = try Envelope.open(try vector.hex("sealed"), with: recipient)
        #expect(opened == envelope)
        try opened.checkTimes(now: envelope.created)
        switch type {
        case .alert:
            let message = try WireJSON.decode(AlertMessage.self, from: opened.body)
            #expect(message.alert.count == 26)
            #expect(!message.payload.match.pseudonym.isEmpty)
        case .receipt:
            let message = try WireJSON.decode(ReceiptMessage.self, from: opened.body)
            #expect(message.envelope == "000102030405060708090a0b0c0d0e0f")
            #expect(message.duplicate == false)
        default:
            Issue.record("no vector of type \(type)")
        }
    }

    @Test func envelopeSignedForAnotherRecipientIsRefused() throws {
        let vector = try Self.vector("envelope-wrong-recipient")
        let recipient = try SealingKeyPair(secretKey: try vector.hex("recipient_sealing_secret"))
        #expect(throws: EnvelopeError.badSignature) { try Envelope.open(try vector.hex("sealed"), with: recipient) }
    }

    @Test func safetyNumberMatchesAndIsOrderIndependent() throws {
        let vector = try Self.vector("safety-number")
        let sender = try Self.fingerprint(seed: Data(0 ..< 32), secret: Data(32 ..< 64))
        let recipient = try Self.fingerprint(seed: Data(64 ..< 96), secret: Data(96 ..< 128))
        #expect(sender.bytes == (try vector.hex("fingerprint_a")))
        #expect(recipient.bytes == (try vector.hex("fingerprint_b")))
        #expect(SafetyNumber.compute(sender, recipient) == vector.fields["safety_number"])
        #expect(SafetyNumber.compute(recipient, sender) == vector.fields["safety_number"])
    }

    static func fingerprint(seed: Data, secret: Data) throws -> NodeFingerprint {
        NodeFingerprint(
            signingKey: try SigningKeyPair(seed: seed).publicKey, sealingKey: try SealingKeyPair(secretKey: secret).publicKey)
    }

    /// An envelope vector's keys, and its envelope, once checked: rebuilt from its fields it signs to the same
    /// bytes, and its sealed box opens to it.
    static func envelope(_ vector: VectorFile) throws -> (sender: SigningKeyPair, recipient: SealingKeyPair, envelope: Envelope) {
        let sender = try SigningKeyPair(seed: try vector.hex("sender_signing_seed"))
        let recipient = try SealingKeyPair(secretKey: try vector.hex("recipient_sealing_secret"))
        let type = try #require(MessageType(rawValue: UInt8(vector.fields["type"] ?? "") ?? 0))
        let envelope = Envelope(
            type: type, id: try vector.hex("id"), created: WireTime.date(UInt64(vector.fields["created_ms"] ?? "") ?? 0),
            expires: WireTime.date(UInt64(vector.fields["expires_ms"] ?? "") ?? 0), sender: sender.publicKey, body: try vector.hex("body"))
        #expect(envelope.signedBytes() == (try vector.hex("signed")))
        #expect(sender.sign(Envelope.signatureInput(recipient: recipient.publicKey, signed: envelope.signedBytes())) == (try vector.hex("signature")))
        let opened = try Envelope.open(try vector.hex("sealed"), with: recipient)
        #expect(opened == envelope)
        return (sender, recipient, opened)
    }

    /// The guardian messages (types 16 to 20), written by `Tests/Interop/guardian_vectors.py` with the
    /// Python peer's envelope code from the document's JSON: byte-for-byte envelopes, and bodies that decode.
    @Test(arguments: ["guardian-replica", "guardian-heartbeat", "guardian-liveness-request", "guardian-liveness", "guardian-stand-down"])
    func guardianMessages(name: String) throws {
        let vector = try Self.vector(name)
        let (sender, recipient, opened) = try Self.envelope(vector)
        let type = try #require(opened.type)
        switch type {
        case .replica:
            let replica = try WireJSON.decode(ReplicaMessage.self, from: opened.body)
            #expect(replica.version == 12 && replica.heartbeatSeq == 12 && replica.escalateAfterSeconds == 300)
            #expect(try ContactCard(parsing: try #require(replica.contacts.first).card).name == "Carol")
            // The escrow is an alert envelope from the user sealed to Carol, the guardian's own copy the same
            // body sealed to the guardian; `escrow` and `guardians` are top-level keys of that body.
            let carol = try SealingKeyPair(secretKey: try vector.hex("carol_sealing_secret"))
            let carolSigning = try SigningKeyPair(seed: try vector.hex("carol_signing_seed"))
            let escrow = try #require(replica.escrow.first)
            #expect(replica.escrow.count == 1 && escrow.cardKey == carolSigning.publicKey.bytes.hexString)
            #expect(throws: EnvelopeError.wrongRecipient) { try Envelope.open(escrow.envelope, with: recipient) }
            let escrowed = try Envelope.open(escrow.envelope, with: carol)
            #expect(escrowed.type == .alert && escrowed.sender == sender.publicKey)
            #expect(try carol.open(escrow.envelope) == (try vector.hex("escrow_inner")))
            let own = try Envelope.open(try #require(replica.own), with: recipient)
            #expect(try recipient.open(try #require(replica.own)) == (try vector.hex("own_inner")) && own.id != escrowed.id)
            let alert = try WireJSON.decode(AlertMessage.self, from: escrowed.body)
            #expect(alert.escrow == true && alert.guardians?.map(\.name) == ["Asso"] && alert.payload.reason == .missed)
            #expect(alert.guardians?.first?.key == (try SigningKeyPair(seed: try vector.hex("recipient_signing_seed"))).publicKey.bytes.hexString)
            #expect(own.body == escrowed.body)
        case .heartbeat:
            let heartbeat = try WireJSON.decode(HeartbeatMessage.self, from: opened.body)
            #expect(heartbeat.seq == 13 && heartbeat.kind == .checkIn && heartbeat.deadline != nil)
        case .livenessRequest:
            #expect(try WireJSON.decode(LivenessRequestMessage.self, from: opened.body).nonce.count == 32)
        case .liveness:
            let liveness = try WireJSON.decode(LivenessMessage.self, from: opened.body)
            #expect(liveness.phase == .active && liveness.lastCheckIn != nil)
        case .standDown:
            #expect(try WireJSON.decode(StandDownMessage.self, from: opened.body) == StandDownMessage(plan: "4u4ljkvrxvjps", reason: .done, deadline: nil))
        default:
            Issue.record("unexpected type \(type)")
        }
    }

    /// The mailbox layouts and the card update (docs/PROTOCOL.md, "Mailboxes", "card-update"), written by
    /// `Tests/Interop/mailbox_vectors.py` from the document alone: the same bytes from the same inputs.
    @Test func mailboxBoxAndEndpoint() throws {
        let vector = try Self.vector("mailbox-box")
        let host = try SigningKeyPair(seed: try vector.hex("host_signing_seed"))
        let owner = try SigningPublicKey(bytes: try vector.hex("owner_signing_public"))
        let box = Mailbox.box(host: host.publicKey, owner: owner)
        #expect(box == (try vector.hex("box")) && Base32.encode(box) == vector.fields["box_base32"])
        let endpoint = Mailbox.endpoint(hostEndpoint: vector.fields["host_endpoint"] ?? "", host: host.publicKey, box: box)
        #expect(endpoint == vector.fields["mailbox_endpoint"])
        #expect(Mailbox.address(of: endpoint) == Mailbox.Address(host: host.publicKey, box: Base32.encode(box)))
    }

    @Test func depositReceiptIsRebuiltByteForByte() throws {
        let vector = try Self.vector("mailbox-deposit-receipt")
        let host = try SigningKeyPair(seed: try Self.vector("mailbox-box").hex("host_signing_seed"))
        let envelope = try vector.hex("envelope")
        #expect(DepositReceipt.digest(of: envelope) == (try vector.hex("digest")))
        let deposited = WireTime.date(UInt64(vector.fields["deposited_ms"] ?? "") ?? 0)
        let expires = WireTime.date(UInt64(vector.fields["expires_ms"] ?? "") ?? 0)
        let receipt = DepositReceipt(box: try vector.hex("box"), digest: try vector.hex("digest"), depositedAt: deposited, expiresAt: expires, signer: host)
        #expect(receipt.bytes == (try vector.hex("receipt")))
        let address = Mailbox.Address(host: host.publicKey, box: Base32.encode(try vector.hex("box")))
        let parsed = try #require(DepositReceipt(parsing: try vector.hex("receipt"), for: envelope, at: address))
        #expect(parsed.depositedAt == deposited && parsed.expiresAt == expires)
    }

    @Test func mailboxBatchReadsAndWritesTheSameBytes() throws {
        let vector = try Self.vector("mailbox-batch")
        let batch = try #require(MailboxBatch(parsing: try vector.hex("batch")))
        #expect(batch.waiting == Int(vector.fields["waiting"] ?? ""))
        #expect(batch.messages.map(\.id) == [try vector.hex("id_1"), try vector.hex("id_2")])
        #expect(batch.messages.map(\.envelope) == [try vector.hex("envelope_1"), try vector.hex("envelope_2")])
        #expect(batch.messages.map { WireTime.milliseconds($0.depositedAt) }
            == [UInt64(vector.fields["deposited_ms_1"] ?? ""), UInt64(vector.fields["deposited_ms_2"] ?? "")])
        #expect(batch.bytes == (try vector.hex("batch")))
    }

    /// A fetch (type 22) and a card update (type 6): byte-for-byte envelopes whose bodies decode, and a card
    /// update that the receiver takes over the card it holds.
    @Test(arguments: ["mailbox-fetch", "card-update"])
    func mailboxAndCardUpdateEnvelopes(name: String) throws {
        let vector = try Self.vector(name)
        let (sender, _, opened) = try Self.envelope(vector)
        let type = try #require(opened.type)
        if type == .mailboxFetch {
            let fetch = try WireJSON.decode(MailboxFetchMessage.self, from: opened.body)
            #expect(fetch.box == (try Self.vector("mailbox-box")).fields["box_base32"] && fetch.waitSeconds == 25 && fetch.delete.count == 1)
        } else {
            #expect(type == .cardUpdate)
            let update = try WireJSON.decode(CardUpdateMessage.self, from: opened.body)
            #expect(update.card == vector.fields["new_card"])
            let held = try ContactCard(parsing: vector.fields["old_card"] ?? "")
            let taken = try #require(try update.replacing(held, sender: sender.publicKey))
            #expect(taken.endpoints.last == (try Self.vector("mailbox-box")).fields["mailbox_endpoint"] && taken.created > held.created)
        }
    }
}
