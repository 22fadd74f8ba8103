import Foundation
import MeetupCrypto
@testable import MeetupProtocol
import Testing

/// The mailbox's byte layouts (docs/PROTOCOL.md, "Mailboxes"): the box id, the endpoint, the signed
/// deposit receipt and a fetch's batch, each refused whole when any part is wrong.
@Suite("mailbox wire formats")
struct MailboxWireTests {
    let host = SigningKeyPair()
    let owner = SigningKeyPair()
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    @Test("the box is one per host and owner; the endpoint carries the host's key and the box, and parses back")
    func endpoints() throws {
        let box = Mailbox.box(host: host.publicKey, owner: owner.publicKey)
        #expect(box.count == 10 && box == Mailbox.box(host: host.publicKey, owner: owner.publicKey))
        #expect(box != Mailbox.box(host: owner.publicKey, owner: host.publicKey))
        #expect(box != Mailbox.box(host: SigningKeyPair().publicKey, owner: owner.publicKey))
        let endpoint = Mailbox.endpoint(hostEndpoint: "https://asso.example/", host: host.publicKey, box: box)
        #expect(endpoint.hasPrefix("https://asso.example/v1/mailbox/") && endpoint.utf8.count == 20 + 12 + 43 + 1 + 16)
        #expect(Mailbox.address(of: endpoint) == Mailbox.Address(host: host.publicKey, box: Base32.encode(box)))
        #expect(Mailbox.address(of: "https://asso.example") == nil)
        #expect(Mailbox.address(of: endpoint + "/more") == nil)
        #expect(Mailbox.address(of: endpoint.replacingOccurrences(of: "/v1/mailbox/", with: "/v1/mailbox/A")) == nil)
    }

    @Test("base32 decodes what it encodes, and nothing else")
    func base32() {
        for count in 0...12 {
            let bytes = SecureRandom.bytes(count: count)
            #expect(Base32.decode(Base32.encode(bytes)) == bytes)
        }
        #expect(Base32.decode("JR7HNE3JCOVIHPNM") == nil, "upper case is not what encode writes")
        #expect(Base32.decode("jr7hne3jcovihpn1") == nil)
        #expect(Base32.decode("ab") == nil, "unused low bits must be zero")
    }

    @Test("a deposit receipt names the envelope's digest, the box and the host; any other is refused")
    func depositReceipts() throws {
        let box = Mailbox.box(host: host.publicKey, owner: owner.publicKey)
        let address = Mailbox.Address(host: host.publicKey, box: Base32.encode(box))
        let envelope = Data("sealed bytes".utf8)
        let receipt = DepositReceipt(
            box: box, digest: DepositReceipt.digest(of: envelope), depositedAt: now, expiresAt: now.addingTimeInterval(604_800),
            signer: host)
        #expect(receipt.bytes.count == DepositReceipt.byteCount)
        let parsed = try #require(DepositReceipt(parsing: receipt.bytes, for: envelope, at: address))
        #expect(parsed == receipt && parsed.depositedAt == now && parsed.host == host.publicKey)
        #expect(DepositReceipt(parsing: receipt.bytes, for: Data("other bytes".utf8), at: address) == nil)
        #expect(DepositReceipt(parsing: receipt.bytes, for: envelope, at: .init(host: owner.publicKey, box: address.box)) == nil)
        #expect(DepositReceipt(parsing: receipt.bytes, for: envelope, at: .init(host: host.publicKey, box: "aaaaaaaaaaaaaaaa")) == nil)
        for index in [0, 5, 50, 100, DepositReceipt.byteCount - 1] {
            var tampered = receipt.bytes
            tampered[tampered.startIndex + index] ^= 1
            #expect(DepositReceipt(parsing: tampered, for: envelope, at: address) == nil, "byte \(index) flipped")
        }
        #expect(DepositReceipt(parsing: receipt.bytes.dropLast(), for: envelope, at: address) == nil)
        // Signed by another key that claims the host's place: the key inside is not the endpoint's.
        let forged = DepositReceipt(box: box, digest: receipt.digest, depositedAt: now, expiresAt: now, signer: SigningKeyPair())
        #expect(DepositReceipt(parsing: forged.bytes, for: envelope, at: address) == nil)
    }

    @Test("a batch reads back as written; truncated, padded or past its limits it is refused")
    func batches() throws {
        let messages = (0..<3).map { n in
            MailboxBatch.Message(id: Data(repeating: UInt8(n), count: 16), depositedAt: now.addingTimeInterval(Double(n)), envelope: Data(repeating: 7, count: n * 10))
        }
        let batch = MailboxBatch(messages: messages, waiting: 5)
        #expect(MailboxBatch(parsing: batch.bytes) == batch)
        #expect(MailboxBatch(parsing: MailboxBatch(messages: [], waiting: 0).bytes)?.messages.isEmpty == true)
        #expect(MailboxBatch(parsing: batch.bytes.dropLast()) == nil)
        #expect(MailboxBatch(parsing: batch.bytes + Data([0])) == nil)
        var wrongVersion = batch.bytes
        wrongVersion[wrongVersion.startIndex] = 2
        #expect(MailboxBatch(parsing: wrongVersion) == nil)
        var tooMany = Data([1, 0, 0, 0, 0])
        tooMany.append(contentsOf: [0, 0, 0, UInt8(MailboxBatch.messageLimit + 1)])
        #expect(MailboxBatch(parsing: tooMany) == nil)
    }
}
