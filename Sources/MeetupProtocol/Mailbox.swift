import Foundation
import MeetupCrypto

/// Mailboxes (docs/PROTOCOL.md, "Mailboxes"): a reachable host keeps sealed envelopes for a node that cannot
/// be reached (its owner), which fetches them with outbound requests only. Who deposits learns the host's
/// signed deposit receipt; the host learns only sizes and times.
public enum Mailbox {
    public static let boxDomain = Data("meetup/v1/mailbox".utf8) + Data([0])
    public static let boxByteCount = 10
    /// The path under a host's endpoint where its mailboxes are.
    public static let pathPrefix = "/v1/mailbox/"
    /// The path the owner fetches from, on the host's endpoint.
    public static let fetchPath = "/v1/mailbox/fetch"
    /// How long a fetch may wait for a deposit, at most; the host may answer sooner.
    public static let longestWait = 30

    /// The mailbox of `owner` at `host`: the first 10 bytes of BLAKE2b-256 over the label and both keys.
    public static func box(host: SigningPublicKey, owner: SigningPublicKey) -> Data {
        blake2b(boxDomain + host.bytes + owner.bytes).prefix(boxByteCount)
    }

    /// The endpoint a card lists for the mailbox: `<host endpoint>/v1/mailbox/<host key>/<box>`, the key in
    /// base64url, the box in base32. Senders POST to it `/v1/envelope` like to any endpoint.
    public static func endpoint(hostEndpoint: String, host: SigningPublicKey, box: Data) -> String {
        hostEndpoint.trimmingTrailingSlash + pathPrefix + Base64URL.encode(host.bytes) + "/" + Base32.encode(box)
    }

    /// The host key and box of a mailbox endpoint, or nil when `endpoint` is a node's own.
    public static func address(of endpoint: String) -> Address? {
        guard let path = URLComponents(string: endpoint)?.path, let range = path.range(of: pathPrefix, options: .backwards) else {
            return nil
        }
        let parts = path[range.upperBound...].split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let keyBytes = Base64URL.decode(String(parts[0])), let host = try? SigningPublicKey(bytes: keyBytes),
              parts[1].utf8.count == 16
        else { return nil }
        return Address(host: host, box: String(parts[1]))
    }

    public struct Address: Equatable, Sendable {
        public let host: SigningPublicKey
        /// The box id as the path writes it: base32, 16 characters.
        public let box: String

        public init(host: SigningPublicKey, box: String) {
            self.host = host
            self.box = box
        }
    }
}

/// The host's signed statement that it stores an envelope (docs/PROTOCOL.md, "Deposit"): what the sender
/// shows as `stored`, apart from the recipient's own receipt.
public struct DepositReceipt: Equatable, Sendable {
    public static let domain = Data("meetup/v1/deposit".utf8) + Data([0])
    public static let version: UInt8 = 1
    public static let byteCount = 1 + Mailbox.boxByteCount + 32 + 8 + 8 + 32 + SigningKeyPair.signatureByteCount

    public let box: Data
    /// BLAKE2b-256 of the envelope's bytes as deposited.
    public let digest: Data
    public let depositedAt: Date
    /// When the host drops it if it is not fetched.
    public let expiresAt: Date
    public let host: SigningPublicKey
    /// The receipt as signed, for the sender to keep.
    public let bytes: Data

    public static func digest(of envelope: Data) -> Data { blake2b(envelope) }

    public init(box: Data, digest: Data, depositedAt: Date, expiresAt: Date, signer: SigningKeyPair) {
        var body = ByteWriter()
        body.byte(Self.version)
        body.bytes(box)
        body.bytes(digest)
        body.uint64(WireTime.milliseconds(depositedAt))
        body.uint64(WireTime.milliseconds(expiresAt))
        body.bytes(signer.publicKey.bytes)
        self.box = box
        self.digest = digest
        self.depositedAt = WireTime.date(WireTime.milliseconds(depositedAt))
        self.expiresAt = WireTime.date(WireTime.milliseconds(expiresAt))
        host = signer.publicKey
        bytes = body.data + signer.sign(Self.domain + body.data)
    }

    /// A receipt for `envelope`, deposited at the mailbox `address`, signed by its host; nil otherwise.
    public init?(parsing bytes: Data, for envelope: Data, at address: Mailbox.Address) {
        guard bytes.count == Self.byteCount else { return nil }
        var reader = ByteReader(bytes)
        guard reader.byte() == Self.version, let box = reader.bytes(Mailbox.boxByteCount), let digest = reader.bytes(32),
              let deposited = reader.uint64(), let expires = reader.uint64(), let key = reader.bytes(32),
              let signature = reader.bytes(SigningKeyPair.signatureByteCount), let host = try? SigningPublicKey(bytes: key)
        else { return nil }
        let body = bytes.prefix(bytes.count - SigningKeyPair.signatureByteCount)
        guard host == address.host, Base32.encode(box) == address.box, digest == Self.digest(of: envelope),
              (try? host.verify(signature: signature, for: Self.domain + body)) != nil
        else { return nil }
        self.box = box
        self.digest = digest
        depositedAt = WireTime.date(deposited)
        expiresAt = WireTime.date(expires)
        self.host = host
        self.bytes = bytes
    }
}

/// Type 22: the owner asks its host for what waits in its mailbox, having processed `delete` (message ids,
/// hex) and refused `refused` for now (the host forgets them, so that the sender's retry is kept again).
/// Sealed to the host and signed by the owner, POSTed to `<host endpoint>/v1/mailbox/fetch`.
public struct MailboxFetchMessage: Codable, Equatable, Sendable {
    public var box: String
    public var delete: [String]
    public var refused: [String]?
    public var waitSeconds: Int

    public init(box: String, delete: [String], refused: [String]? = nil, waitSeconds: Int) {
        self.box = box
        self.delete = delete
        self.refused = refused
        self.waitSeconds = waitSeconds
    }

    /// Ids a fetch may delete at once: a batch's worth.
    public static let deleteLimit = MailboxBatch.messageLimit
}

/// A fetch's answer: the oldest waiting envelopes, as deposited, with the host's ids and deposit times, and
/// how many more wait behind them.
public struct MailboxBatch: Equatable, Sendable {
    public struct Message: Equatable, Sendable {
        public let id: Data
        public let depositedAt: Date
        public let envelope: Data

        public init(id: Data, depositedAt: Date, envelope: Data) {
            self.id = id
            self.depositedAt = WireTime.date(WireTime.milliseconds(depositedAt))
            self.envelope = envelope
        }
    }

    public static let version: UInt8 = 1
    public static let idByteCount = 16
    /// Messages in one answer at most; the bytes at most `byteLimit`, but always at least one message.
    public static let messageLimit = 64
    public static let byteLimit = 16 << 20

    public let messages: [Message]
    /// Messages still waiting after these.
    public let waiting: Int

    public init(messages: [Message], waiting: Int) {
        self.messages = messages
        self.waiting = waiting
    }

    public var bytes: Data {
        var writer = ByteWriter()
        writer.byte(Self.version)
        writer.uint32(UInt32(clamping: waiting))
        writer.uint32(UInt32(messages.count))
        for message in messages {
            writer.bytes(message.id)
            writer.uint64(WireTime.milliseconds(message.depositedAt))
            writer.uint32(UInt32(message.envelope.count))
            writer.bytes(message.envelope)
        }
        return writer.data
    }

    public init?(parsing data: Data) {
        var reader = ByteReader(data)
        guard reader.byte() == Self.version, let waiting = reader.uint32(), let count = reader.uint32(),
              count <= UInt32(Self.messageLimit)
        else { return nil }
        var messages: [Message] = []
        for _ in 0 ..< count {
            guard let id = reader.bytes(Self.idByteCount), let deposited = reader.uint64(), let length = reader.uint32(),
                  length <= UInt32(Envelope.sizeLimit), let envelope = reader.bytes(Int(length))
            else { return nil }
            messages.append(Message(id: id, depositedAt: WireTime.date(deposited), envelope: envelope))
        }
        guard reader.remaining == 0 else { return nil }
        self.messages = messages
        self.waiting = Int(waiting)
    }
}

extension String {
    var trimmingTrailingSlash: String { hasSuffix("/") ? String(dropLast()) : self }
}
