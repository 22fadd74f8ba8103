import CheckInCore
import Foundation
import GRDB
import MeetupControl
import MeetupCrypto
@testable import MeetupNode
import MeetupProtocol
import Testing

/// Card updates (docs/PROTOCOL.md, "card-update"): a node whose endpoints change publishes a later card and
/// sends it to every contact; a contact takes it from the key it paired with, and from no other, and never
/// an older one.
@Suite("Card updates")
struct CardUpdateTests {
    let fixture: NodeFixture
    let ana = TestPeer()
    var node: Node { fixture.node }
    var now: Date { fixture.clock.now }

    init() throws {
        fixture = try NodeFixture()
        try fixture.addPeer(ana, as: "Ana", guardian: true)
    }

    /// An envelope from `signer` (Ana by default) to this node.
    func envelope(_ type: MessageType, _ body: Data, from signer: TestPeer? = nil) -> Data {
        let signer = signer ?? ana
        return Envelope(type: type, created: now, expires: now.addingTimeInterval(3600), sender: signer.signing.publicKey, body: body)
            .seal(signer: signer.signing, to: node.keys.sealing.publicKey)
    }

    func update(_ card: ContactCard, from signer: TestPeer? = nil) -> Data {
        envelope(.cardUpdate, WireJSON.encode(CardUpdateMessage(card: card.text)), from: signer)
    }

    /// `date` as a card carries it: whole milliseconds.
    static func milliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    func refusal(_ sealed: Data) -> EnvelopeError? {
        if case let .refused(error) = node.inbox.receive(sealed) { return error }
        return nil
    }

    func anaEndpoints() throws -> [String] {
        try node.store.card(of: try #require(try node.store.contact(named: "Ana"))).endpoints
    }

    func queued(_ type: MessageType) throws -> [OutboxRecord] {
        try node.store.writer.read { db in try OutboxRecord.all().ofType(type).queued().fetchAll(db) }
    }

    @Test("a later card from the contact replaces its endpoints, keeps its name, and a repeat changes nothing")
    func replaces() throws {
        let later = try ana.card("Ana B", endpoints: ["http://ana.example:2", "http://ana.onion:3"], at: now.addingTimeInterval(60))
        guard case .reply = node.inbox.receive(update(later)) else {
            Issue.record("refused")
            return
        }
        #expect(try anaEndpoints() == ["http://ana.example:2", "http://ana.onion:3"])
        let info = try fixture.contacts.show("Ana")
        #expect(info.name == "Ana" && info.cardName == "Ana B" && info.guardian)
        guard case .reply = node.inbox.receive(update(later)) else {
            Issue.record("the same card again is accepted, as a repeat")
            return
        }
        #expect(try anaEndpoints() == ["http://ana.example:2", "http://ana.onion:3"])
    }

    @Test("an update that is not later, or not Ana's, or with other keys, is refused and changes nothing")
    func refused() throws {
        let mallory = TestPeer()
        let earlier = try ana.card("Ana", endpoints: ["http://old.example:1"], at: now.addingTimeInterval(-60))
        #expect(refusal(update(earlier)) == .staleCard)
        let sameTime = try ana.card("Ana", endpoints: ["http://other.example:1"], at: now)
        #expect(refusal(update(sameTime)) == .staleCard)
        // Mallory's own card, sent by Ana's key: a card update cannot change who the contact is.
        let foreign = try mallory.card("Ana", endpoints: ["http://mallory.example:1"], at: now.addingTimeInterval(60))
        #expect(refusal(update(foreign)) == .badBody("the card is not signed by the envelope's sender"))
        // Ana's key but another sealing key: another node.
        let otherSealing = try ContactCard(
            signing: ana.signing, sealingKey: SealingKeyPair().publicKey, created: now.addingTimeInterval(60), name: "Ana",
            endpoints: ["http://mallory.example:1"])
        #expect(refusal(update(otherSealing)) == .badBody("a card update cannot change the node's keys"))
        // From a key that is not a contact at all.
        #expect(refusal(update(foreign, from: mallory)) == .unknownSender)
        #expect(refusal(envelope(.cardUpdate, Data(#"{"card":"meetup1:AAAA"}"#.utf8)))?.code == "unreadable")
        #expect(try anaEndpoints() == ["http://ana.invalid:1"])
    }

    @Test("a new card for a contact of a running plan with guardians sends them a fresh replica")
    func replicates() throws {
        let plan = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", contacts: ["Ana"]))
        _ = try node.courier.noticeFanOut(at: now).run(limit: 64, now: now)
        let before = try queued(.replica).count
        let later = try ana.card("Ana", endpoints: ["http://ana.example:2"], at: now.addingTimeInterval(60))
        guard case .reply = node.inbox.receive(update(later)) else {
            Issue.record("refused")
            return
        }
        _ = try node.courier.noticeFanOut(at: now).run(limit: 64, now: now)
        let replicas = try queued(.replica)
        #expect(before == 1 && replicas.count == 1, "the new replica supersedes the queued one")
        let opened = try Envelope.open(try #require(replicas.first).envelope, with: ana.sealing)
        let replica = try WireJSON.decode(ReplicaMessage.self, from: opened.body)
        #expect(replica.plan == plan.plan && replica.contacts.map(\.card) == [later.text])
    }

    @Test("the mailbox host's new card moves this node's own mailbox endpoint, and its contacts are sent the new card")
    func hostMoves() throws {
        let hostPeer = TestPeer()
        let hostCard = try hostPeer.card("Asso", endpoints: ["http://asso.invalid:1"], at: now)
        _ = try fixture.contacts.add(ContactAddRequest(name: "Asso", card: hostCard.text, guardian: false, tier: 1))
        let host = try #require(try node.store.contact(named: "Asso"))
        try node.store.useMailbox(hostContactID: host.id, only: false, at: now)
        node.address.bind(ListenAddress(host: "127.0.0.1", port: 7001))
        #expect(try node.ownCard.make().endpoints.last?.hasPrefix("http://asso.invalid:1/v1/mailbox/") == true)
        fixture.clock.advance(by: 10)
        let moved = try hostPeer.card("Asso", endpoints: ["http://asso.invalid:2"], at: now)
        let sealed = Envelope(
            type: .cardUpdate, created: now, expires: now.addingTimeInterval(3600), sender: hostPeer.signing.publicKey,
            body: WireJSON.encode(CardUpdateMessage(card: moved.text))
        ).seal(signer: hostPeer.signing, to: node.keys.sealing.publicKey)
        guard case .reply = node.inbox.receive(sealed) else {
            Issue.record("refused")
            return
        }
        // Published by the inbox itself, as it took the host's card: nobody asked for this node's card.
        let updates = try queued(.cardUpdate)
        #expect(updates.count == 2, "Ana and Asso are each sent the card with the mailbox's new endpoint")
        let toAna = try #require(updates.first { $0.contactName == "Ana" })
        let sent = try ContactCard(parsing: try WireJSON.decode(CardUpdateMessage.self, from: try Envelope.open(toAna.envelope, with: ana.sealing).body).card)
        #expect(sent.endpoints.last?.hasPrefix("http://asso.invalid:2/v1/mailbox/") == true)
        #expect(try node.ownCard.make().text == sent.text)
    }

    @Test("a node's first card is dated by its creation; a node that had contacts before it kept its card sends it to them")
    func firstCard() throws {
        let fresh = try NodeFixture()
        fresh.node.address.bind(ListenAddress(host: "127.0.0.1", port: 7001))
        let first = try fresh.node.ownCard.make()
        #expect(first.created == (try fresh.node.store.createdAt()).map(Self.milliseconds))
        // This fixture's node has Ana and no card kept: Ana may hold a card with other endpoints.
        node.address.bind(ListenAddress(host: "127.0.0.1", port: 7001))
        let card = try node.ownCard.make()
        let updates = try queued(.cardUpdate)
        #expect(updates.count == 1 && card.created == Self.milliseconds(now))
    }

    @Test("this node's card stays the same bytes while its endpoints do; a new endpoint is a later card, sent to every contact")
    func publishes() throws {
        node.address.bind(ListenAddress(host: "127.0.0.1", port: 7001))
        let first = try node.ownCard.make()
        let firstUpdate = try queued(.cardUpdate).map(\.seq)
        #expect(try node.ownCard.make().text == first.text)
        #expect(try queued(.cardUpdate).map(\.seq) == firstUpdate, "the same card is not sent again")
        fixture.clock.advance(by: 30)
        node.address.bind(ListenAddress(host: "127.0.0.1", port: 7002))
        let second = try node.ownCard.make()
        #expect(second.endpoints == ["http://127.0.0.1:7002"] && second.created > first.created)
        #expect(try node.ownCard.make().text == second.text)
        let updates = try queued(.cardUpdate)
        #expect(updates.count == 1, "an update still queued is superseded by the next")
        let opened = try Envelope.open(try #require(updates.first).envelope, with: ana.sealing)
        #expect(try WireJSON.decode(CardUpdateMessage.self, from: opened.body).card == second.text)
        // Ana, holding the first card, takes the second: the two sides of the exchange agree.
        #expect(try CardUpdateMessage(card: second.text).replacing(first, sender: first.signingKey) == second)
        #expect(throws: EnvelopeError.staleCard) { try CardUpdateMessage(card: first.text).replacing(second, sender: first.signingKey) }
    }
}
