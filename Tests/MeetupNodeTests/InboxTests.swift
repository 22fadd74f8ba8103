import CheckInCore
import Foundation
import MeetupControl
import MeetupCrypto
@testable import MeetupNode
import MeetupProtocol
import Testing

/// The inbox's checks on envelopes built here: a relayed alert is taken only when its escrow vouches for
/// the guardian that brought it, and an alert's fields stay within what the user's node would send.
@Suite("Inbox")
struct InboxTests {
    let fixture: NodeFixture
    /// Ana is this node's contact, whose plan a guardian (the association, not a contact) watches.
    let user = TestPeer()
    let guardian = TestPeer()
    var node: Node { fixture.node }
    var now: Date { fixture.clock.now }

    init() throws {
        fixture = try NodeFixture()
        let card = try user.card("Ana", endpoints: ["http://ana.invalid:1"], at: fixture.clock.now)
        _ = try fixture.contacts.add(ContactAddRequest(name: "Ana", card: card.text, guardian: false, tier: 1))
    }

    func payload(deadline: Date?) throws -> AlertPayload {
        AlertPayload(
            plan: "PLAN1", reason: .missed, raisedAt: now, deadline: deadline, match: try MatchDetails(pseudonym: "Kiwi"),
            place: try Place(name: "Cafe"), start: now.addingTimeInterval(-600), until: now.addingTimeInterval(3600),
            trail: [], checkIns: [], history: [])
    }

    /// Ana's escrowed alert, sealed to this node, naming `guardians`.
    func escrow(from signer: TestPeer? = nil, deadline: Date? = nil, guardians: [TestPeer]? = nil, escrowFlag: Bool = true) throws -> Data {
        let signer = signer ?? user
        let refs = (guardians ?? [guardian]).map { GuardianRef(key: $0.signing.publicKey.bytes.hexString, name: "Asso") }
        let message = AlertMessage(
            alert: "ESCROW1", late: false, payload: try payload(deadline: deadline ?? now), photo: nil, escrow: escrowFlag, guardians: refs)
        return Envelope(type: .alert, created: now, expires: now.addingTimeInterval(3600), sender: signer.signing.publicKey, body: WireJSON.encode(message))
            .seal(signer: signer.signing, to: node.keys.sealing.publicKey)
    }

    /// The guardian's relayed alert around `escrow`, sealed to this node.
    func relayed(
        _ escrow: Data, reason: AlertReason = .missed, deadline: Date? = nil, cardOf holder: TestPeer? = nil, signedBy signer: TestPeer? = nil
    ) throws -> Data {
        let signer = signer ?? guardian
        let card = try (holder ?? guardian).card("Asso", endpoints: ["http://asso.invalid:1"], at: now)
        let body = RelayedAlertMessage(
            escrow: escrow, user: user.signing.publicKey.bytes.hexString, plan: "PLAN1", reason: reason,
            deadline: deadline ?? now, raisedAt: now, late: false, guardianCard: card.text)
        return Envelope(type: .relayedAlert, created: now, expires: now.addingTimeInterval(3600), sender: signer.signing.publicKey, body: WireJSON.encode(body))
            .seal(signer: signer.signing, to: node.keys.sealing.publicKey)
    }

    func refusal(_ sealed: Data) -> EnvelopeError? {
        if case let .refused(error) = node.inbox.receive(sealed) { return error }
        return nil
    }

    @Test("a valid relayed alert is stored once, through the guardian, and answered with a receipt to the guardian's card")
    func accepted() throws {
        let sealed = try relayed(try escrow())
        guard case let .reply(receipt) = node.inbox.receive(sealed) else {
            Issue.record("refused")
            return
        }
        #expect(try Envelope.open(receipt.sealed, with: guardian.sealing).type == .receipt)
        let alerts = try node.store.receivedAlerts(all: true)
        #expect(alerts.count == 1 && alerts.first?.via == ["Asso"] && alerts.first?.from == "Ana")
        guard case .reply = node.inbox.receive(sealed) else {
            Issue.record("a repeat is answered, not refused")
            return
        }
        #expect(try node.store.receivedAlerts(all: true).count == 1)
    }

    @Test("a guardian cannot turn an escrow into another alarm: only a missed deadline, never before the escrowed one")
    func onlyMissedDeadlines() throws {
        #expect(refusal(try relayed(try escrow(), reason: .panic)) == .badBody("a relayed alert is a missed deadline"))
        #expect(
            refusal(try relayed(try escrow(deadline: now), deadline: now.addingTimeInterval(-60)))
                == .badBody("the relayed deadline is before the escrowed one"))
    }

    @Test("the guardian must be who its card and signature say, and named in the escrow")
    func guardianMustBeNamed() throws {
        let stranger = TestPeer()
        #expect(refusal(try relayed(try escrow(), cardOf: stranger)) == .badBody("the guardian's card does not match its signature"))
        #expect(refusal(try relayed(try escrow(guardians: [stranger]))) == .unknownSender)
        #expect(refusal(try relayed(try escrow(), cardOf: stranger, signedBy: stranger)) == .unknownSender)
    }

    @Test("the escrow must be an escrowed alert signed by a contact")
    func escrowFromAContact() throws {
        #expect(refusal(try relayed(try escrow(from: TestPeer()))) == .unknownSender)
        #expect(refusal(try relayed(try escrow(escrowFlag: false))) == .unknownSender)
        #expect(try node.store.receivedAlerts(all: true).isEmpty)
    }

    @Test("an escrowed alert sent directly is refused: escrow comes only through a guardian")
    func escrowDirect() throws {
        #expect(refusal(try escrow()) == .badBody("an escrowed alert sent directly"))
    }

    @Test("an alert's ids, fields and sizes stay within what a node would send")
    func fieldChecks() throws {
        var message = AlertMessage(alert: "A1", late: false, payload: try payload(deadline: now), photo: nil)
        #expect(throws: Never.self) { try Inbox.check(message) }
        var bad = message
        bad.alert = "not an id!"
        #expect(throws: EnvelopeError.badBody("alert and plan must be short ids")) { try Inbox.check(bad) }
        bad = message
        bad.payload.plan = String(repeating: "p", count: 65)
        #expect(throws: EnvelopeError.badBody("alert and plan must be short ids")) { try Inbox.check(bad) }
        bad = message
        bad.payload.match.note = String(repeating: "n", count: MatchDetails.noteLimit + 1)
        #expect(throws: EnvelopeError.badBody("a field is empty, too long, or out of range")) { try Inbox.check(bad) }
        bad = message
        bad.payload.checkIns = Array(repeating: now, count: 10_001)
        #expect(throws: EnvelopeError.badBody("a field is empty, too long, or out of range")) { try Inbox.check(bad) }
        bad = message
        bad.revision = AlertMessage.revisionLimit + 1
        #expect(throws: EnvelopeError.badBody("a field is empty, too long, or out of range")) { try Inbox.check(bad) }
        message.photo = Data("not an image".utf8)
        #expect(throws: EnvelopeError.badBody("the photo is not a JPEG, PNG or WebP of at most 5 MiB")) { try Inbox.check(message) }
    }
}
