import Foundation
import MeetupControl
import MeetupCrypto
@testable import MeetupNode
import MeetupProtocol
import Testing

/// The host's half of mailboxes on a real store: who may deposit and fetch, what a fetch deletes, and the
/// long poll woken by a deposit, on the real clock.
@Suite("mailbox host")
struct MailboxHostTests {
    let fixture: NodeFixture
    let owner = TestPeer()
    var node: Node { fixture.node }
    var host: MailboxHost { node.mailboxHost }
    var hostKey: String { Base64URL.encode(node.keys.signing.publicKey.bytes) }
    var box: String { Base32.encode(Mailbox.box(host: node.keys.signing.publicKey, owner: owner.signing.publicKey)) }

    init() throws {
        fixture = try NodeFixture()
        try fixture.addPeer(owner, as: "Olga")
    }

    func grant(messages: Int = 10) throws {
        _ = try node.mailboxes.grant("Olga", MailboxGrantRequest(messages: messages, bytes: nil, ttl: nil))
    }

    /// A fetch signed by `signer` (the owner by default), sealed to the host.
    func fetchRequest(delete: [Data] = [], refused: [Data]? = nil, wait: Int = 0, box: String? = nil, from signer: TestPeer? = nil) -> Data {
        let signer = signer ?? owner
        let body = WireJSON.encode(MailboxFetchMessage(
            box: box ?? self.box, delete: delete.map(\.hexString), refused: refused?.map(\.hexString), waitSeconds: wait))
        let now = fixture.clock.now
        return Envelope(type: .mailboxFetch, created: now, expires: now.addingTimeInterval(120), sender: signer.signing.publicKey, body: body)
            .seal(signer: signer.signing, to: node.keys.sealing.publicKey)
    }

    func batch(_ answer: MailboxHost.Answer) -> MailboxBatch? {
        guard case let .body(200, data) = answer else { return nil }
        return MailboxBatch(parsing: data)
    }

    @Test("deposits: a signed receipt for the box, the same bytes stored once, another host's key 421, no box 404")
    func deposits() throws {
        #expect(host.deposit(Data("a".utf8), hostKey: hostKey, box: box) == .noMailbox, "not granted yet")
        try grant()
        guard case let .body(202, receipt) = host.deposit(Data("a".utf8), hostKey: hostKey, box: box) else {
            Issue.record("not stored")
            return
        }
        let address = Mailbox.Address(host: node.keys.signing.publicKey, box: box)
        #expect(DepositReceipt(parsing: receipt, for: Data("a".utf8), at: address) != nil)
        fixture.clock.advance(by: 5)
        guard case let .body(202, again) = host.deposit(Data("a".utf8), hostKey: hostKey, box: box) else {
            Issue.record("a repeat is answered")
            return
        }
        #expect(DepositReceipt(parsing: again, for: Data("a".utf8), at: address)?.depositedAt == DepositReceipt(parsing: receipt, for: Data("a".utf8), at: address)?.depositedAt)
        let other = Base64URL.encode(SigningKeyPair().publicKey.bytes)
        #expect(host.deposit(Data("b".utf8), hostKey: other, box: box) == .refused(status: 421, code: "wrong-recipient", message: "this mailbox is not at this node (a stale endpoint)"))
        #expect(host.deposit(Data("b".utf8), hostKey: hostKey, box: "aaaaaaaaaaaaaaaa") == .noMailbox)
        #expect(host.deposit(Data("b".utf8), hostKey: hostKey, box: "not base32!") == .noMailbox)
        #expect(try node.store.mailboxGrants().first?.messages == 1)
    }

    @Test("only the owner fetches, once per request; a fetch deletes what the last one gave, and a repeat deposit is not stored again")
    func fetches() async throws {
        try grant()
        _ = host.deposit(Data("first".utf8), hostKey: hostKey, box: box)
        fixture.clock.advance(by: 1)
        _ = host.deposit(Data("second".utf8), hostKey: hostKey, box: box)
        let stranger = TestPeer()
        #expect(await host.fetch(fetchRequest(from: stranger)) == .refusal(.unknownSender))
        #expect(await host.fetch(fetchRequest(box: "aaaaaaaaaaaaaaaa")) == .noMailbox)
        #expect(await host.fetch(Data("junk".utf8)) == .refusal(.wrongRecipient))
        let request = fetchRequest()
        let first = try #require(batch(await host.fetch(request)))
        #expect(first.messages.map(\.envelope) == [Data("first".utf8), Data("second".utf8)] && first.waiting == 0)
        guard case .refused(400, "unreadable", _) = await host.fetch(request) else {
            Issue.record("a fetch seen before is answered once")
            return
        }
        let second = try #require(batch(await host.fetch(fetchRequest(delete: first.messages.map(\.id)))))
        #expect(second.messages.isEmpty)
        _ = host.deposit(Data("first".utf8), hostKey: hostKey, box: box)
        #expect(try #require(batch(await host.fetch(fetchRequest()))).messages.isEmpty, "a sender's retry of fetched bytes is not stored again")
        #expect(try node.store.mailboxGrants().first?.messages == 0)
    }

    @Test("a message the owner refused for now is forgotten, so that the sender's retry is kept again; one deleted is not")
    func refusedForNow() async throws {
        try grant()
        _ = host.deposit(Data("not yet".utf8), hostKey: hostKey, box: box)
        _ = host.deposit(Data("done".utf8), hostKey: hostKey, box: box)
        let first = try #require(batch(await host.fetch(fetchRequest())))
        let ids = Dictionary(uniqueKeysWithValues: first.messages.map { (String(decoding: $0.envelope, as: UTF8.self), $0.id) })
        let done = try #require(ids["done"])
        let notYet = try #require(ids["not yet"])
        _ = try #require(batch(await host.fetch(fetchRequest(delete: [done], refused: [notYet]))))
        fixture.clock.advance(by: 300)
        _ = host.deposit(Data("not yet".utf8), hostKey: hostKey, box: box)
        _ = host.deposit(Data("done".utf8), hostKey: hostKey, box: box)
        let again = try #require(batch(await host.fetch(fetchRequest())))
        #expect(again.messages.map(\.envelope) == [Data("not yet".utf8)], "the refused one is kept again, the deleted one is not")
    }

    @Test("two fetches of one mailbox wait at most; a third is answered at once, and other mailboxes still wait")
    func waitsPerMailbox() async {
        let waiters = MailboxWaiters(limit: 10)
        let taken = await waiters.holding(1) { first in
            await waiters.holding(1) { second in
                await waiters.holding(1) { third in
                    await waiters.holding(2) { other in [first != nil, second != nil, third != nil, other != nil] }
                }
            }
        }
        #expect(taken == [true, true, false, true])
        #expect(waiters.waiting == 0)
    }

    @Test("a full mailbox refuses with mailbox-full and keeps what it holds; a revoked one drops it")
    func limits() async throws {
        try grant(messages: 2)
        _ = host.deposit(Data("1".utf8), hostKey: hostKey, box: box)
        _ = host.deposit(Data("2".utf8), hostKey: hostKey, box: box)
        guard case .refused(507, "mailbox-full", _) = host.deposit(Data("3".utf8), hostKey: hostKey, box: box) else {
            Issue.record("over its limit")
            return
        }
        #expect(try #require(batch(await host.fetch(fetchRequest()))).messages.count == 2)
        _ = try node.mailboxes.revoke("Olga")
        #expect(host.deposit(Data("4".utf8), hostKey: hostKey, box: box) == .noMailbox)
        #expect(throws: ControlError.mailboxNotFound(name: "Olga")) { try node.mailboxes.revoke("Olga") }
    }

    @Test("with the real clock, a waiting fetch is answered as soon as something is deposited, and at its time when nothing is")
    func longPoll() async throws {
        let directory = try TemporaryDirectory()
        let live = try Node.forTests(in: directory, clock: ManualClock())
        let realHost = MailboxHost(store: live.store, clock: SystemClock(), keys: live.keys, waiters: live.mailboxWaiters, logger: live.logger)
        let card = try owner.card("Olga", endpoints: ["http://olga.invalid:1"], at: Date())
        _ = try live.contacts.add(ContactAddRequest(name: "Olga", card: card.text, guardian: false, tier: 1))
        _ = try live.mailboxes.grant("Olga", MailboxGrantRequest(messages: nil, bytes: nil, ttl: nil))
        let liveBox = Base32.encode(Mailbox.box(host: live.keys.signing.publicKey, owner: owner.signing.publicKey))
        let key = Base64URL.encode(live.keys.signing.publicKey.bytes)
        func request(wait: Int) -> Data {
            let body = WireJSON.encode(MailboxFetchMessage(box: liveBox, delete: [], waitSeconds: wait))
            return Envelope(type: .mailboxFetch, created: Date(), expires: Date().addingTimeInterval(120), sender: owner.signing.publicKey, body: body)
                .seal(signer: owner.signing, to: live.keys.sealing.publicKey)
        }
        async let answer = realHost.fetch(request(wait: 10))
        // Deposited once the fetch is waiting, or while it still looks (the wake-up is held before it looks).
        for _ in 0..<100 where live.mailboxWaiters.waiting == 0 { try await Task.sleep(for: .milliseconds(20)) }
        let deposited = Date()
        _ = realHost.deposit(Data("wake".utf8), hostKey: key, box: liveBox)
        let woken = await answer
        let elapsed = Date().timeIntervalSince(deposited)
        guard case let .body(200, data) = woken else {
            Issue.record("no batch")
            return
        }
        #expect(MailboxBatch(parsing: data)?.messages.first?.envelope == Data("wake".utf8))
        #expect(elapsed < 3, "answered \(elapsed) s after the deposit")
        // What was fetched and not deleted comes again at once, without waiting.
        let again = Date()
        #expect(batch(await realHost.fetch(request(wait: 10)))?.messages.count == 1 && Date().timeIntervalSince(again) < 3)
        // An empty mailbox is answered when the wait is over, and the wait leaves nothing behind.
        let quiet = Date()
        _ = try live.mailboxes.revoke("Olga")
        _ = try live.mailboxes.grant("Olga", MailboxGrantRequest(messages: nil, bytes: nil, ttl: nil))
        let empty = await realHost.fetch(request(wait: 1))
        #expect(batch(empty)?.messages.isEmpty == true)
        let waited = Date().timeIntervalSince(quiet)
        #expect(waited >= 0.9 && waited < 4, "waited \(waited) s for a 1 s poll")
        #expect(live.mailboxWaiters.waiting == 0)
        // At shutdown, waiting fetches are answered at once.
        let closing = Date()
        async let held = realHost.fetch(request(wait: 20))
        try await Task.sleep(for: .milliseconds(200))
        live.mailboxWaiters.close()
        _ = await held
        #expect(Date().timeIntervalSince(closing) < 3)
    }
}
