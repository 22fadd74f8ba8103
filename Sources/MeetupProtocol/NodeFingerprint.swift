import Foundation
import MeetupCrypto

/// What names a node: a BLAKE2b-256 hash over a domain label and both of its public keys.
///
/// `hex` is the full hash in groups of four, for people to compare; `nodeID` is its first ten bytes in
/// lowercase base32 (16 characters), short enough for logs and file names.
public struct NodeFingerprint: Hashable, Sendable {
    public static let domain = Data("meetup/v1/fingerprint".utf8)

    public let bytes: Data

    public init(signingKey: SigningPublicKey, sealingKey: SealingPublicKey) {
        bytes = blake2b(Self.domain + signingKey.bytes + sealingKey.bytes)
    }

    public var hex: String {
        let digits = bytes.map { String(format: "%02x", $0) }.joined()
        return stride(from: 0, to: digits.count, by: 4).map { offset in
            let start = digits.index(digits.startIndex, offsetBy: offset)
            return String(digits[start ..< digits.index(start, offsetBy: 4)])
        }.joined(separator: " ")
    }

    public var nodeID: String {
        Base32.encode(bytes.prefix(10))
    }
}
