import Foundation
import MeetupCrypto

/// The kinds of message an envelope carries (docs/PROTOCOL.md, "Message types").
public enum MessageType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case alert = 1
    case receipt = 2
    case ack = 3
    case resolved = 4
    case acked = 5
    case cardUpdate = 6
    case replica = 16
    case heartbeat = 17
    case livenessRequest = 18
    case liveness = 19
    case standDown = 20
    case relayedAlert = 21
    case mailboxFetch = 22

    public var description: String {
        switch self {
        case .alert: "alert"
        case .receipt: "receipt"
        case .ack: "ack"
        case .resolved: "resolved"
        case .acked: "acked"
        case .cardUpdate: "card-update"
        case .replica: "replica"
        case .heartbeat: "heartbeat"
        case .livenessRequest: "liveness-request"
        case .liveness: "liveness"
        case .standDown: "stand-down"
        case .relayedAlert: "relayed-alert"
        case .mailboxFetch: "mailbox-fetch"
        }
    }
}

/// One signed message from a sender to one recipient, before sealing and after opening.
public struct Envelope: Equatable, Sendable {
    public static let version: UInt8 = 1
    public static let domain = Data("meetup/v1/envelope".utf8) + Data([0])
    public static let idByteCount = 16
    /// The largest sealed envelope a node accepts or sends.
    public static let sizeLimit = 8 << 20
    public static let headerByteCount = 1 + 1 + 16 + 8 + 8 + 32 + 4
    /// How far ahead of the receiver's clock `created` may be.
    public static let clockSkew: TimeInterval = 600
    public static let longestLife: TimeInterval = 30 * 86_400

    /// The type byte as received; `type` is nil for a type this version does not know.
    public var typeByte: UInt8
    public var type: MessageType? { MessageType(rawValue: typeByte) }
    public var id: Data
    public var created: Date
    public var expires: Date
    public var sender: SigningPublicKey
    public var body: Data

    public init(type: MessageType, id: Data = SecureRandom.bytes(count: idByteCount), created: Date, expires: Date,
                sender: SigningPublicKey, body: Data) {
        self.init(typeByte: type.rawValue, id: id, created: created, expires: expires, sender: sender, body: body)
    }

    init(typeByte: UInt8, id: Data, created: Date, expires: Date, sender: SigningPublicKey, body: Data) {
        self.typeByte = typeByte
        self.id = id
        self.created = WireTime.date(WireTime.milliseconds(created))
        self.expires = WireTime.date(WireTime.milliseconds(expires))
        self.sender = sender
        self.body = body
    }

    /// The header and body, as signed.
    public func signedBytes() -> Data {
        var writer = ByteWriter()
        writer.byte(Self.version)
        writer.byte(typeByte)
        writer.bytes(id)
        writer.uint64(WireTime.milliseconds(created))
        writer.uint64(WireTime.milliseconds(expires))
        writer.bytes(sender.bytes)
        writer.uint32(UInt32(body.count))
        writer.bytes(body)
        return writer.data
    }

    /// What the sender signs: the domain label, the recipient's X25519 key, and the signed bytes.
    public static func signatureInput(recipient: SealingPublicKey, signed: Data) -> Data {
        domain + recipient.bytes + signed
    }

    /// Signs with `signer` (whose public key must be `sender`) for `recipient`, then seals to it.
    public func seal(signer: SigningKeyPair, to recipient: SealingPublicKey) -> Data {
        let signed = signedBytes()
        let signature = signer.sign(Self.signatureInput(recipient: recipient, signed: signed))
        return recipient.seal(signed + signature)
    }

    /// Steps 1 to 4 of "Opening an envelope": size, seal, layout and version, signature. The caller checks
    /// the sender, the times, the type and the id, in that order, against its own state.
    public static func open(_ sealed: Data, with keys: SealingKeyPair) throws(EnvelopeError) -> Envelope {
        guard sealed.count <= sizeLimit else { throw .tooLarge }
        let inner: Data
        do { inner = try keys.open(sealed) } catch { throw .wrongRecipient }
        var reader = ByteReader(inner)
        guard inner.count >= headerByteCount + SigningKeyPair.signatureByteCount else { throw .unreadable }
        guard reader.byte() == version else { throw .unsupportedVersion }
        guard let typeByte = reader.byte(), let id = reader.bytes(idByteCount), let created = reader.uint64(),
              let expires = reader.uint64(), let senderBytes = reader.bytes(32), let length = reader.uint32(),
              Int(length) == reader.remaining - SigningKeyPair.signatureByteCount,
              let body = reader.bytes(Int(length)), let signature = reader.bytes(SigningKeyPair.signatureByteCount),
              let sender = try? SigningPublicKey(bytes: senderBytes)
        else { throw .unreadable }
        let signed = inner.prefix(inner.count - SigningKeyPair.signatureByteCount)
        do {
            try sender.verify(signature: signature, for: signatureInput(recipient: keys.publicKey, signed: Data(signed)))
        } catch { throw .badSignature }
        return Envelope(
            typeByte: typeByte, id: id, created: WireTime.date(created), expires: WireTime.date(expires), sender: sender,
            body: body)
    }

    /// Step 6: refuses an envelope that expired, lives too long, or comes from too far in the future.
    public func checkTimes(now: Date) throws(EnvelopeError) {
        guard created <= now.addingTimeInterval(Self.clockSkew) else { throw .notYetValid }
        guard expires > now, expires >= created, expires.timeIntervalSince(created) <= Self.longestLife else { throw .expired }
    }
}

/// Why an envelope was refused, with the code and HTTP status of docs/PROTOCOL.md.
public enum EnvelopeError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooLarge
    /// The sealed box does not open with this node's key: it was sealed to another node (a stale endpoint
    /// now served by someone else), or is not an envelope at all. Retried by the sender, never final.
    case wrongRecipient
    case unreadable
    case unsupportedVersion
    case badSignature
    case unknownSender
    case expired
    case notYetValid
    case unknownType(UInt8)
    case badBody(String)
    /// A heartbeat whose sequence number is not above the last one accepted.
    case staleHeartbeat
    /// A card update not later than the card the receiver holds.
    case staleCard

    public var code: String {
        switch self {
        case .tooLarge: "too-large"
        case .wrongRecipient: "wrong-recipient"
        case .unreadable, .badBody: "unreadable"
        case .unsupportedVersion: "unsupported-version"
        case .badSignature: "bad-signature"
        case .unknownSender: "unknown-sender"
        case .expired: "expired"
        case .notYetValid: "not-yet-valid"
        case .unknownType: "unknown-type"
        case .staleHeartbeat: "stale-heartbeat"
        case .staleCard: "stale-card"
        }
    }

    /// Whether a sender stops on this refusal: the same bytes will never be accepted (docs/PROTOCOL.md,
    /// "Delivery and retries": a 400 or 413 with a protocol code).
    public var isFinal: Bool { httpStatus == 400 || httpStatus == 413 }

    public var httpStatus: Int {
        switch self {
        case .tooLarge: 413
        case .wrongRecipient: 421
        case .unknownSender, .badSignature: 403
        case .expired: 410
        case .notYetValid: 425
        case .unreadable, .badBody, .unsupportedVersion, .unknownType, .staleHeartbeat, .staleCard: 400
        }
    }

    public var description: String {
        switch self {
        case .tooLarge: "the envelope is larger than \(Envelope.sizeLimit) bytes"
        case .wrongRecipient: "the envelope does not open with this node's key: it is for another node, or not an envelope"
        case .unreadable: "the envelope cannot be parsed"
        case .unsupportedVersion: "the envelope's version is not 1"
        case .badSignature: "the envelope's signature does not verify for this recipient"
        case .unknownSender: "the sender is not a contact of this node"
        case .expired: "the envelope has expired"
        case .notYetValid: "the envelope was created too far in the future"
        case let .unknownType(type): "message type \(type) is unknown"
        case let .badBody(reason): "the message body does not parse: \(reason)"
        case .staleHeartbeat: "the heartbeat is not newer than the last one"
        case .staleCard: "the card is not newer than the one this node holds"
        }
    }
}
