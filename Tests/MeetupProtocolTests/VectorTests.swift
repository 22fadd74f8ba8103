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

    /// The guardian messages (types 16 to 20), written by `Tests/Interop/guardian_vectors.py` with the
    /// Python peer's envelope code from the document's JSON: byte-for-byte envelopes, and bodies that decode.
    @Test(arguments: ["guardian-replica", "guardian-heartbeat", "guardian-liveness-request", "guardian-liveness", "guardian-stand-down"])
    func guardianMessages(name: String) throws {
        let vector = try Self.vector(name)
        let sender = try SigningKeyPair(seed: try vector.hex("sender_signing_seed"))
        let recipient = try SealingKeyPair(secretKey: try vector.hex("recipient_sealing_secret"))
        let type = try #require(MessageType(rawValue: UInt8(vector.fields["type"] ?? "") ?? 0))
        let envelope = Envelope(
            type: type, id: try vector.hex("id"), created: WireTime.date(UInt64(vector.fields["created_ms"] ?? "") ?? 0),
            expires: WireTime.date(UInt64(vector.fields["expires_ms"] ?? "") ?? 0), sender: sender.publicKey,
            body: try vector.hex("body"))
        #expect(envelope.signedBytes() == (try vector.hex("signed")))
        #expect(sender.sign(Envelope.signatureInput(recipient: recipient.publicKey, signed: envelope.signedBytes()))
            == (try vector.hex("signature")))
        let opened = try Envelope.open(try vector.hex("sealed"), with: recipient)
        #expect(opened == envelope)
        switch type {
        case .replica:
            let replica = try WireJSON.decode(ReplicaMessage.self, from: opened.body)
            #expect(replica.version == 12 && replica.heartbeatSeq == 12 && replica.escalateAfterSeconds == 300)
            #expect(try ContactCard(parsing: try #require(replica.contacts.first).card).name == "Carol")
            // The escrow is an alert envelope sealed to Carol: it opens with her key only.
            let escrow = try #require(replica.escrow.first)
            #expect(try Envelope.open(escrow.envelope, with: recipient).type == .alert)
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
}

