import CheckInCore
import Foundation
import GRDB
import MeetupControl
import MeetupCrypto
@testable import MeetupNode
import MeetupProtocol
import Synchronization
import Testing

/// A contact whose keys the test holds, so that it can answer for the contact's node.
struct TestPeer {
    let signing = SigningKeyPair()
    let sealing = SealingKeyPair()

    func card(_ name: String, endpoints: [String], at now: Date) throws -> ContactCard {
        try ContactCard(signing: signing, sealingKey: sealing.publicKey, created: now, name: name, endpoints: endpoints)
    }

    /// The signed receipt this peer would answer `sealed` with, sealed to `node`.
    func receipt(for sealed: Data, to node: Node, at now: Date, signer: SigningKeyPair? = nil, naming id: Data? = nil) throws -> Data {
        let envelope = try Envelope.open(sealed, with: sealing)
        let body = WireJSON.encode(ReceiptMessage(envelope: (id ?? envelope.id).hexString, receivedAt: now, duplicate: false))
        let signer = signer ?? signing
        return Envelope(type: .receipt, created: now, expires: now.addingTimeInterval(60), sender: signer.publicKey, body: body)
            .seal(signer: signer, to: node.keys.sealing.publicKey)
    }
}

/// A transport that answers for the peers, endpoint by endpoint, and records what it was asked.
final class ScriptedTransport: PeerTransport {
    enum Reply: Sendable {
        case unreachable
        case status(Int, Data)
        case receipt
        /// What another node, with these keys, answers: the refusal its `Envelope.open` makes of the bytes.
        case stranger(SealingKeyPair)
        /// What a mailbox host with these keys answers a deposit: its signed deposit receipt.
        case mailbox(SigningKeyPair)
    }

    let peer: TestPeer
    let node: Node
    private let replies: Mutex<[String: Reply]>
    let posts = Mutex<[String]>([])

    init(peer: TestPeer, node: Node, replies: [String: Reply]) {
        self.peer = peer
        self.node = node
        self.replies = Mutex(replies)
    }

    func set(_ endpoint: String, _ reply: Reply) { replies.withLock { $0[endpoint] = reply } }

    func post(_ sealed: Data, to endpoint: String, within seconds: TimeInterval) async throws -> (status: Int, body: Data) {
        posts.withLock { $0.append(endpoint) }
        switch replies.withLock({ $0[endpoint] }) ?? .unreachable {
        case .unreachable: throw DeadlineExceeded()
        case let .status(code, body): return (code, body)
        case .receipt: return (200, try peer.receipt(for: sealed, to: node, at: node.clock.now))
        case let .stranger(keys):
            do {
                _ = try Envelope.open(sealed, with: keys)
                return (200, Data())
            } catch {
                return (error.httpStatus, try JSONEncoder().encode(PeerErrorBody(error: .init(code: error.code, message: error.description))))
            }
        case let .mailbox(host):
            // A mailbox host keeps anything for the box and signs that it does.
            let address = try #require(Mailbox.address(of: endpoint))
            let receipt = DepositReceipt(
                box: try #require(Base32.decode(address.box)), digest: DepositReceipt.digest(of: sealed), depositedAt: node.clock.now,
                expiresAt: node.clock.now.addingTimeInterval(86_400), signer: host)
            return (202, receipt.bytes)
        }
    }

    func post(_ body: Data, url: String, answerLimit limit: Int, within seconds: TimeInterval) async throws -> (status: Int, body: Data) {
        throw DeadlineExceeded()
    }
}

/// The courier's attempts with the manual clock and a scripted peer: what counts as a receipt, when a copy
/// is tried again, and when it is given up.
@Suite("Courier")
struct CourierTests {
    let fixture: NodeFixture
    let peer = TestPeer()
    var node: Node { fixture.node }
    var clock: ManualClock { fixture.clock }
    static let first = "http://peer.invalid:1"
    static let second = "http://peer.invalid:2"

    init() throws {
        fixture = try NodeFixture()
        let card = try peer.card("Ana", endpoints: [Self.first, Self.second], at: fixture.clock.now)
        _ = try fixture.contacts.add(ContactAddRequest(name: "Ana", card: card.text, guardian: false, tier: 1))
    }

    /// Panic on a fresh plan; returns the alert's copy to Ana, due now.
    func alertCopy() throws -> DueEnvelope {
        let plan = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true))
        _ = try fixture.plans.panic(plan.plan)
        try node.courier.fanOut(at: clock.now)
        return try #require(try node.store.dueEnvelopes(now: clock.now, limit: 10, lease: Courier.lease).first { $0.type == .alert })
    }

    /// One attempt, to the recipient the courier's pass would read for it.
    func attempt(_ envelope: DueEnvelope, _ transport: ScriptedTransport) async {
        await node.courier.attempt(envelope, to: node.courier.recipients(of: [envelope])[envelope.seq] ?? .gone("none"), transport: transport)
    }

    func outboxRow(_ seq: Int64) throws -> OutboxRecord? {
        try node.store.writer.read { db in try OutboxRecord.filter(key: seq).fetchOne(db) }
    }

    func row(_ seq: Int64) throws -> (state: String, attempts: Int, next: Date?, error: String?) {
        try node.store.writer.read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT state, attempts, next_attempt_at, last_error FROM outbox WHERE seq = ?", arguments: [seq]))
            return (row["state"], row["attempts"], row["next_attempt_at"], row["last_error"])
        }
    }

    @Test("a receipt signed by the contact and naming the envelope marks the copy delivered")
    func delivered() async throws {
        let copy = try alertCopy()
        let transport = ScriptedTransport(peer: peer, node: node, replies: [Self.first: .receipt])
        await attempt(copy, transport)
        #expect(try row(copy.seq).state == "delivered")
        #expect(transport.posts.withLock { $0 } == [Self.first])
    }

    @Test("an unreachable first endpoint, then the second's receipt: delivered")
    func secondEndpoint() async throws {
        let copy = try alertCopy()
        let transport = ScriptedTransport(peer: peer, node: node, replies: [Self.second: .receipt])
        await attempt(copy, transport)
        #expect(try row(copy.seq).state == "delivered")
        #expect(transport.posts.withLock { $0 } == [Self.first, Self.second])
    }

    @Test("a receipt signed by another key, or naming another envelope, is no proof: tried again after the alert backoff")
    func forgedReceipts() async throws {
        let copy = try alertCopy()
        let other = SigningKeyPair()
        let forged = try peer.receipt(for: copy.sealed, to: node, at: clock.now, signer: other)
        let misnamed = try peer.receipt(for: copy.sealed, to: node, at: clock.now, naming: Data(repeating: 7, count: 16))
        let transport = ScriptedTransport(peer: peer, node: node, replies: [Self.first: .status(200, forged), Self.second: .status(200, misnamed)])
        await attempt(copy, transport)
        let after = try row(copy.seq)
        #expect(after.state == "queued" && after.attempts == 1 && after.error == "bad receipt")
        let next = try #require(after.next)
        #expect(next >= clock.now && next <= clock.now.addingTimeInterval(Backoff.alert.ceiling(afterAttempts: 1)))
    }

    @Test("the peer's own refusal (400 with a protocol code) on every endpoint fails the copy for good; a 500 is tried again")
    func refusals() async throws {
        let copy = try alertCopy()
        let refusal = Data(#"{"error": {"code": "bad_body", "message": "no"}}"#.utf8)
        let transport = ScriptedTransport(
            peer: peer, node: node, replies: [Self.first: .status(400, refusal), Self.second: .status(500, Data())])
        await attempt(copy, transport)
        #expect(try row(copy.seq).state == "queued", "the second endpoint may take it later")
        #expect(try row(copy.seq).error == "http-500")
        transport.set(Self.second, .status(400, refusal))
        clock.advance(by: 60)
        await attempt(copy, transport)
        let after = try row(copy.seq)
        #expect(after.state == "failed" && after.next == nil && after.error == "bad_body")
    }

    @Test("another node answering on both stale endpoints refuses the copy as not its own (421): tried again, never failed for good")
    func anotherNodeOnStaleEndpoints() async throws {
        let copy = try alertCopy()
        let stranger = SealingKeyPair()
        let transport = ScriptedTransport(peer: peer, node: node, replies: [Self.first: .stranger(stranger), Self.second: .stranger(stranger)])
        await attempt(copy, transport)
        let after = try row(copy.seq)
        #expect(after.state == "queued" && after.attempts == 1 && after.error == "wrong-recipient" && after.next != nil)
        transport.set(Self.second, .receipt)
        clock.advance(by: 60)
        await attempt(copy, transport)
        #expect(try row(copy.seq).state == "delivered", "the contact's new node on the second endpoint")
    }

    @Test("a mailbox's signed deposit receipt makes the copy stored, not delivered; the contact's own receipt, POSTed later, delivers it")
    func storedAtMailbox() async throws {
        // Ana took a mailbox at an association's node: her card update lists it after her own endpoint.
        let host = SigningKeyPair()
        let mailbox = Mailbox.endpoint(
            hostEndpoint: "http://asso.invalid:7744", host: host.publicKey, box: Mailbox.box(host: host.publicKey, owner: peer.signing.publicKey))
        let update = try peer.card("Ana", endpoints: [Self.first, mailbox], at: clock.now.addingTimeInterval(1))
        let sealedUpdate = Envelope(
            type: .cardUpdate, created: clock.now, expires: clock.now.addingTimeInterval(60), sender: peer.signing.publicKey,
            body: WireJSON.encode(CardUpdateMessage(card: update.text))
        ).seal(signer: peer.signing, to: node.keys.sealing.publicKey)
        guard case .reply = node.inbox.receive(sealedUpdate) else {
            Issue.record("the card update was refused")
            return
        }
        let copy = try alertCopy()
        let transport = ScriptedTransport(peer: peer, node: node, replies: [mailbox: .mailbox(host)])
        await attempt(copy, transport)
        #expect(transport.posts.withLock { $0 } == [Self.first, mailbox], "her own endpoint first, then the mailbox")
        let stored = try row(copy.seq)
        #expect(stored.state == "queued" && stored.error == nil)
        let next = try #require(stored.next)
        #expect(abs(next.timeIntervalSince(clock.now) - Courier.storedRecheck) < 1)
        let record = try #require(try outboxRow(copy.seq))
        #expect(record.shownState == "stored" && record.deposit != nil)
        // A deposit receipt signed by another key than the endpoint's is no proof: tried again.
        let liar = ScriptedTransport(peer: peer, node: node, replies: [mailbox: .mailbox(SigningKeyPair())])
        let other = try alertCopy()
        await attempt(other, liar)
        #expect(try outboxRow(other.seq)?.storedAt == nil)
        // Ana fetched it: her receipt comes as an envelope of its own, and the copy is delivered, counted nowhere
        // (the receipt of a silent alert's copy must leave no trace on the user's node).
        let counted = node.envelopeCounters.snapshot
        let receipt = try peer.receipt(for: copy.sealed, to: node, at: clock.now)
        guard case let .reply(answer) = node.inbox.receive(receipt) else {
            Issue.record("the POSTed receipt was refused")
            return
        }
        #expect(try Envelope.open(answer.sealed, with: peer.sealing).type == .receipt)
        #expect(answer.queued(at: clock.now) == nil, "a receipt is never answered through the outbox")
        #expect(try row(copy.seq).state == "delivered")
        #expect(node.envelopeCounters.snapshot == counted)
        // A receipt from a key that is not a contact, for an envelope it was not sent, is refused and changes nothing.
        let stranger = SigningKeyPair()
        let forged = Envelope(
            type: .receipt, created: clock.now, expires: clock.now.addingTimeInterval(60), sender: stranger.publicKey,
            body: WireJSON.encode(ReceiptMessage(envelope: other.envelopeID.hexString, receivedAt: clock.now, duplicate: false))
        ).seal(signer: stranger, to: node.keys.sealing.publicKey)
        guard case .refused(.unknownSender) = node.inbox.receive(forged) else {
            Issue.record("a stranger's receipt was taken")
            return
        }
        #expect(try row(other.seq).state == "queued")
    }

    @Test("with the manual clock: a copy that failed is due again once its backoff has passed, not before")
    func backoff() async throws {
        let copy = try alertCopy()
        let transport = ScriptedTransport(peer: peer, node: node, replies: [:])
        await attempt(copy, transport)
        let next = try #require(try row(copy.seq).next)
        func due() throws -> [Int64] { try node.store.dueEnvelopes(now: clock.now, limit: 10, lease: Courier.lease).map(\.seq) }
        #expect(try !due().contains(copy.seq))
        clock.advance(by: next.timeIntervalSince(clock.now) + 0.001)
        let again = try #require(try node.store.dueEnvelopes(now: clock.now, limit: 10, lease: Courier.lease).first { $0.seq == copy.seq })
        #expect(again.attempts == 1)
        transport.set(Self.first, .receipt)
        await attempt(again, transport)
        #expect(try row(copy.seq).state == "delivered" && row(copy.seq).attempts == 2)
    }

    @Test("a copy whose contact was removed during the attempt's lease: not sent, and it stays cancelled")
    func removedContact() async throws {
        let copy = try alertCopy()
        for id in try node.store.runningPlanIDs() { _ = try fixture.plans.pinCommand(id, pin: "1234", .done) }
        _ = try fixture.contacts.remove("Ana")
        let transport = ScriptedTransport(peer: peer, node: node, replies: [Self.first: .receipt])
        await attempt(copy, transport)
        #expect(transport.posts.withLock { $0 }.isEmpty)
        #expect(try row(copy.seq).state == "cancelled")
    }
}
