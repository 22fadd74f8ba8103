import Foundation
import MeetupCrypto

/// A node's contact card: one self-signed line of text that a person pastes into a chat (docs/PROTOCOL.md,
/// "The contact card"). Parsing verifies the signature, so a card that exists was signed by its key.
public struct ContactCard: Equatable, Sendable {
    public static let prefix = "meetup1:"
    public static let domain = Data("meetup/v1/card".utf8) + Data([0])
    public static let version: UInt8 = 1
    public static let nameLimit = 64
    public static let endpointLimit = 4
    public static let urlLimit = 200
    public static let textLimit = 1_400

    public let signingKey: SigningPublicKey
    public let sealingKey: SealingPublicKey
    public let created: Date
    /// What the node calls itself; the reader chooses its own name for the contact.
    public let name: String
    public let endpoints: [String]
    /// The card as text, exactly as signed.
    public let text: String

    public var fingerprint: NodeFingerprint { NodeFingerprint(signingKey: signingKey, sealingKey: sealingKey) }

    /// Builds and signs this node's card.
    public init(
        signing: SigningKeyPair, sealingKey: SealingPublicKey, created: Date, name: String, endpoints: [String]
    ) throws(CardError) {
        let name = Self.clip(name)
        guard (1...Self.endpointLimit).contains(endpoints.count) else { throw .badEndpointCount(endpoints.count) }
        for url in endpoints { try Self.check(url: url) }
        var body = ByteWriter()
        body.byte(Self.version)
        body.bytes(signing.publicKey.bytes)
        body.bytes(sealingKey.bytes)
        body.uint64(WireTime.milliseconds(created))
        body.byte(UInt8(name.utf8.count))
        body.bytes(Data(name.utf8))
        body.byte(UInt8(endpoints.count))
        for url in endpoints {
            body.byte(UInt8(url.utf8.count))
            body.bytes(Data(url.utf8))
        }
        let signature = signing.sign(Self.domain + body.data)
        signingKey = signing.publicKey
        self.sealingKey = sealingKey
        self.created = WireTime.date(WireTime.milliseconds(created))
        self.name = name
        self.endpoints = endpoints
        text = Self.prefix + Base64URL.encode(body.data + signature)
    }

    /// Parses and verifies a pasted card. Whitespace anywhere is ignored (chat apps wrap lines).
    public init(parsing pasted: String) throws(CardError) {
        let text = String(pasted.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) })
        guard text.count <= Self.textLimit else { throw .tooLong(text.count) }
        guard text.hasPrefix(Self.prefix) else {
            if text.hasPrefix("meetup"), text.contains(":") { throw .unsupportedVersion }
            throw .missingPrefix
        }
        let encoded = String(text.dropFirst(Self.prefix.count))
        // Canonical only: the last character's unused bits are zero, so one altered character always
        // changes the bytes.
        guard let bytes = Base64URL.decode(encoded), Base64URL.encode(bytes) == encoded,
              bytes.count > SigningKeyPair.signatureByteCount
        else { throw .notBase64URL }
        let body = bytes.prefix(bytes.count - SigningKeyPair.signatureByteCount)
        let signature = bytes.suffix(SigningKeyPair.signatureByteCount)
        var reader = ByteReader(Data(body))
        guard let version = reader.byte() else { throw .truncated }
        guard version == Self.version else { throw .unsupportedVersion }
        guard let signingBytes = reader.bytes(32), let sealingBytes = reader.bytes(32), let created = reader.uint64(),
              let nameLength = reader.byte(), let nameBytes = reader.bytes(Int(nameLength)),
              let endpointCount = reader.byte()
        else { throw .truncated }
        guard Int(nameLength) <= Self.nameLimit, let name = String(validating: nameBytes, as: UTF8.self) else {
            throw .badName
        }
        guard (1...Self.endpointLimit).contains(Int(endpointCount)) else { throw .badEndpointCount(Int(endpointCount)) }
        var endpoints: [String] = []
        for _ in 0 ..< endpointCount {
            guard let length = reader.byte(), let urlBytes = reader.bytes(Int(length)) else { throw .truncated }
            guard let url = String(validating: urlBytes, as: UTF8.self) else { throw .badEndpoint }
            try Self.check(url: url)
            endpoints.append(url)
        }
        guard reader.remaining == 0 else { throw .trailingBytes }
        let signingKey: SigningPublicKey
        do {
            signingKey = try SigningPublicKey(bytes: signingBytes)
            sealingKey = try SealingPublicKey(bytes: sealingBytes)
        } catch { throw .truncated }
        do { try signingKey.verify(signature: signature, for: Self.domain + body) } catch { throw .badSignature }
        self.signingKey = signingKey
        self.created = WireTime.date(created)
        self.name = name
        self.endpoints = endpoints
        self.text = text
    }

    /// The name hint, cut to the limit on a character boundary.
    private static func clip(_ name: String) -> String {
        var clipped = ""
        for character in name where clipped.utf8.count + character.utf8.count <= nameLimit { clipped.append(character) }
        return clipped
    }

    private static func check(url: String) throws(CardError) {
        guard (1...urlLimit).contains(url.utf8.count), url.hasPrefix("http://") || url.hasPrefix("https://"),
              URL(string: url)?.host != nil
        else { throw .badEndpoint }
    }
}

/// Why a card was refused; each says what to do about it.
public enum CardError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingPrefix
    case unsupportedVersion
    case tooLong(Int)
    case notBase64URL
    case truncated
    case trailingBytes
    case badName
    case badEndpointCount(Int)
    case badEndpoint
    case badSignature

    public var description: String {
        switch self {
        case .missingPrefix: "not a meetup card: it must start with \(ContactCard.prefix)"
        case .unsupportedVersion: "the card is from another version of meetup (this one reads \(ContactCard.prefix) cards)"
        case let .tooLong(count): "the card is \(count) characters long; a card is at most \(ContactCard.textLimit)"
        case .notBase64URL: "the card is damaged: it is not valid base64url after \(ContactCard.prefix)"
        case .truncated: "the card is damaged or incomplete: ask for it again"
        case .trailingBytes: "the card is damaged: it has bytes after its end"
        case .badName: "the card's name is not valid UTF-8 or longer than \(ContactCard.nameLimit) bytes"
        case let .badEndpointCount(count): "a card carries 1 to \(ContactCard.endpointLimit) endpoints, this one \(count)"
        case .badEndpoint: "the card's endpoint is not an http:// or https:// URL of at most \(ContactCard.urlLimit) bytes"
        case .badSignature: "the card's signature does not verify: it was altered or damaged; ask for it again"
        }
    }
}
