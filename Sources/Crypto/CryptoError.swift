/// Everything MeetupCrypto can refuse. Messages name what was wrong and never carry key or plaintext bytes.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A key, seed or nonce of the wrong size; `what` names it ("Ed25519 public key").
    case invalidKeyLength(what: String, expected: Int, got: Int)
    /// A signature that is not 64 bytes.
    case invalidSignatureLength(got: Int)
    /// The signature does not verify for this key and message.
    case invalidSignature
    /// Ciphertext too short to hold its nonce, tag or ephemeral key.
    case ciphertextTooShort(minimum: Int, got: Int)
    /// Authentication failed: tampered bytes, a wrong key, or a wrong associated context.
    case openFailed
    /// A password hash string that libsodium does not recognise.
    case invalidPasswordHash
    /// Argon2id could not run, almost always because the memory limit could not be allocated.
    case passwordHashingFailed
    /// An X25519 exchange produced the all-zero point (a low-order public key).
    case weakPublicKey

    public var description: String {
        switch self {
        case let .invalidKeyLength(what, expected, got):
            "\(what): expected \(expected) bytes, got \(got)"
        case let .invalidSignatureLength(got):
            "signature: expected 64 bytes, got \(got)"
        case .invalidSignature:
            "signature does not verify"
        case let .ciphertextTooShort(minimum, got):
            "ciphertext: expected at least \(minimum) bytes, got \(got)"
        case .openFailed:
            "ciphertext could not be opened: tampered, truncated, or sealed to another key"
        case .invalidPasswordHash:
            "password hash is not an Argon2id string"
        case .passwordHashingFailed:
            "Argon2id failed (not enough memory for its limit?)"
        case .weakPublicKey:
            "X25519 public key is of low order"
        }
    }
}
