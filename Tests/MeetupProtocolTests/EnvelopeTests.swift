import CheckInCore
import Foundation
import MeetupCrypto
@testable import MeetupProtocol
import Testing

struct EnvelopeTests {
    let sender = SigningKeyPair()
    let recipient = SealingKeyPair()
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    func envelope(created: Date? = nil, expires: Date? = nil, body: Data = Data("{}".utf8)) -> Envelope {
        Envelope(
            type: .ack, created: created ?? now, expires: expires ?? now.addingTimeInterval(86_400), sender: sender.publicKey,
            body: body)
    }

    @Test func roundTrips() throws {
        let original = envelope(body: WireJSON.encode(AckMessage(alert: "a", plan: "p", ackedAt: now)))
        let opened = try Envelope.open(original.seal(signer: sender, to: recipient.publicKey), with: recipient)
        #expect(opened == original)
        #expect(try WireJSON.decode(AckMessage.self, from: opened.body) == AckMessage(alert: "a", plan: "p", ackedAt: now))
    }

    @Test func sealedToSomeoneElseIsForAnotherRecipient() {
        let sealed = envelope().seal(signer: sender, to: SealingKeyPair().publicKey)
        #expect(throws: EnvelopeError.wrongRecipient) { try Envelope.open(sealed, with: recipient) }
    }

    @Test func anyFlippedBitOfTheInnerMessageFailsTheSignature() throws {
        let original = envelope()
        let signed = original.signedBytes()
        let inner = signed + sender.sign(Envelope.signatureInput(recipient: recipient.publicKey, signed: signed))
        for index in stride(from: 0, to: inner.count, by: 3) {
            var tampered = inner
            tampered[index] ^= 0x01
            #expect(throws: EnvelopeError.self, "byte \(index)") {
                try Envelope.open(recipient.publicKey.seal(tampered), with: recipient)
            }
        }
    }

    /// Times are attacker-chosen: the largest ones must be refused, not trap on the way back to a Date.
    @Test func extremeTimesAreRefusedWithoutTrapping() throws {
        for (created, expires) in [(UInt64.max, UInt64.max), (0, UInt64.max), (UInt64.max, 0), (0, 0)] {
            var writer = ByteWriter()
            writer.byte(Envelope.version)
            writer.byte(MessageType.alert.rawValue)
            writer.bytes(Data(count: 16))
            writer.uint64(created)
            writer.uint64(expires)
            writer.bytes(sender.publicKey.bytes)
            writer.uint32(2)
            writer.bytes(Data("{}".utf8))
            let signed = writer.data
            let inner = signed + sender.sign(Envelope.signatureInput(recipient: recipient.publicKey, signed: signed))
            let opened = try Envelope.open(recipient.publicKey.seal(inner), with: recipient)
            #expect(throws: EnvelopeError.self) { try opened.checkTimes(now: now) }
        }
        #expect(WireTime.milliseconds(Date(timeIntervalSince1970: 1e20)) == UInt64.max)
        #expect(WireTime.milliseconds(Date(timeIntervalSince1970: -5)) == 0)
    }

    @Test func unknownTypesOpenAndAreLeftToTheReceiver() throws {
        var writer = ByteWriter()
        writer.byte(Envelope.version)
        writer.byte(99)
        writer.bytes(Data(count: 16))
        writer.uint64(WireTime.milliseconds(now))
        writer.uint64(WireTime.milliseconds(now.addingTimeInterval(60)))
        writer.bytes(sender.publicKey.bytes)
        writer.uint32(0)
        let signed = writer.data
        let inner = signed + sender.sign(Envelope.signatureInput(recipient: recipient.publicKey, signed: signed))
        let opened = try Envelope.open(recipient.publicKey.seal(inner), with: recipient)
        #expect(opened.type == nil)
        #expect(opened.typeByte == 99)
    }

    @Test func oversizedIsRefusedBeforeOpening() {
        #expect(throws: EnvelopeError.tooLarge) { try Envelope.open(Data(count: Envelope.sizeLimit + 1), with: recipient) }
    }

    @Test func timesAreChecked() throws {
        #expect(throws: Never.self) { try envelope().checkTimes(now: now) }
        #expect(throws: EnvelopeError.expired) { try envelope(expires: now).checkTimes(now: now) }
        #expect(throws: EnvelopeError.notYetValid) {
            try envelope(created: now.addingTimeInterval(601), expires: now.addingTimeInterval(9_000)).checkTimes(now: now)
        }
        #expect(throws: Never.self) {
            try envelope(created: now.addingTimeInterval(600), expires: now.addingTimeInterval(9_000)).checkTimes(now: now)
        }
        #expect(throws: EnvelopeError.expired) {
            try envelope(expires: now.addingTimeInterval(31 * 86_400)).checkTimes(now: now)
        }
    }

    @Test func alertMessageRoundTripsThroughTheWireJSON() throws {
        let payload = AlertPayload(
            plan: "p1", reason: .pinFailures, raisedAt: now, deadline: nil,
            match: try MatchDetails(pseudonym: "Alex", phone: "+33 6"), place: try Place(name: "Gare", geo: try Coordinate(lat: 1, lon: 2)),
            start: now, until: now.addingTimeInterval(3_600),
            trail: [LocationFix(geo: try Coordinate(lat: 1.5, lon: 2.5), accuracy: 10, at: now)], checkIns: [now],
            history: [HistoryLine(at: now, kind: "started")])
        let message = AlertMessage(alert: "abc", late: true, payload: payload, photo: Data([0xFF, 0xD8, 0xFF]))
        let json = WireJSON.encode(message)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains("\"raised_at\":\"2026-11-18T"))
        #expect(text.contains("\"check_ins\""))
        #expect(text.contains("\"reason\":\"pin-failures\""))
        #expect(try WireJSON.decode(AlertMessage.self, from: json) == message)
    }

    @Test func anAlertsRevisionIsAbsentForTheFirstCopyAndReadBackForAnUpdate() throws {
        let payload = AlertPayload(
            plan: "p1", reason: .panic, raisedAt: now, deadline: nil, match: try MatchDetails(pseudonym: "Alex"),
            place: try Place(name: "Gare"), start: now, until: now.addingTimeInterval(3_600), trail: [], checkIns: [], history: [])
        let first = WireJSON.encode(AlertMessage(alert: "abc", late: false, payload: payload, photo: nil))
        #expect(!String(decoding: first, as: UTF8.self).contains("revision"), "a receiver from before revisions reads it as before")
        #expect(try WireJSON.decode(AlertMessage.self, from: first).revision == nil)
        let update = WireJSON.encode(AlertMessage(alert: "abc", late: false, payload: payload, photo: nil, revision: 2))
        #expect(String(decoding: update, as: UTF8.self).contains(#""revision":2"#))
        #expect(try WireJSON.decode(AlertMessage.self, from: update).revision == 2)
    }

    @Test func cardRefusesBadInputWithAReason() throws {
        #expect(throws: CardError.missingPrefix) { try ContactCard(parsing: "hello") }
        #expect(throws: CardError.unsupportedVersion) { try ContactCard(parsing: "meetup2:AAAA") }
        #expect(throws: CardError.notBase64URL) { try ContactCard(parsing: "meetup1:+/==") }
        #expect(throws: CardError.self) { try ContactCard(parsing: "meetup1:" + String(repeating: "A", count: 2_000)) }
        let signing = SigningKeyPair()
        #expect(throws: CardError.badEndpoint) {
            try ContactCard(signing: signing, sealingKey: recipient.publicKey, created: now, name: "x", endpoints: ["ftp://a"])
        }
        let card = try ContactCard(
            signing: signing, sealingKey: recipient.publicKey, created: now, name: String(repeating: "é", count: 40),
            endpoints: ["http://a.example:1"])
        #expect(card.name.utf8.count <= ContactCard.nameLimit)
        #expect(try ContactCard(parsing: card.text) == card)
    }
}
