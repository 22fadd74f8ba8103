import CSodium
import Foundation

/// A 256-bit key for XChaCha20-Poly1305 (IETF AEAD), used for data at rest.
///
/// `seal` picks a random 192-bit nonce, large enough that random nonces never collide in practice, and
/// returns `nonce || ciphertext || tag`. The associated data is authenticated, not encrypted: bind a
/// ciphertext to where it belongs (a table, a column, a row) so it cannot be moved elsewhere unnoticed.
public struct SymmetricKey: Sendable {
    public static let byteCount = Int(crypto_aead_xchacha20poly1305_ietf_keybytes())
    public static let nonceByteCount = Int(crypto_aead_xchacha20poly1305_ietf_npubbytes())
    public static let tagByteCount = Int(crypto_aead_xchacha20poly1305_ietf_abytes())
    /// Bytes `seal` adds to its plaintext.
    public static let overhead = nonceByteCount + tagByteCount

    private let secret: SecretBytes

    /// A fresh key from the system CSPRNG.
    public init() {
        secret = SecretBytes(random: Self.byteCount)
    }

    public init<B: ContiguousBytes>(bytes: B) throws(CryptoError) {
        let count = lengthOf(bytes)
        guard count == Self.byteCount else {
            throw .invalidKeyLength(what: "XChaCha20-Poly1305 key", expected: Self.byteCount, got: count)
        }
        secret = SecretBytes(copying: bytes)
    }

    init(secret: SecretBytes) {
        precondition(secret.count == Self.byteCount)
        self.secret = secret
    }

    /// The 32 key bytes, for writing a key file. The returned `Data` is not wiped when dropped.
    public func exportBytes() -> Data {
        secret.copyBytes()
    }

    public func seal<M: ContiguousBytes, A: ContiguousBytes>(_ plaintext: M, associatedData: A) -> Data {
        let nonce = SecureRandom.bytes(count: Self.nonceByteCount)
        return seal(plaintext, associatedData: associatedData, nonce: nonce)
    }

    public func seal<M: ContiguousBytes>(_ plaintext: M) -> Data {
        seal(plaintext, associatedData: Data())
    }

    /// Deterministic sealing with a caller-chosen nonce, for test vectors only: reusing a nonce under one
    /// key destroys confidentiality.
    func seal<M: ContiguousBytes, A: ContiguousBytes>(_ plaintext: M, associatedData: A, nonce: Data) -> Data {
        ensureSodium()
        let length = lengthOf(plaintext)
        let body = makeData(count: length + Self.tagByteCount) { output in
            withBytes(plaintext) { message, messageLength in
                withBytes(associatedData) { ad, adLength in
                    withBytes(nonce) { npub, _ in
                        secret.withUnsafePointer { key in
                            crypto_aead_xchacha20poly1305_ietf_encrypt(
                                output, nil, message, UInt64(messageLength), ad, UInt64(adLength), nil, npub, key)
                        }
                    }
                }
            }
        }!
        return nonce + body
    }

    /// Opens what `seal` made with the same key and associated data. Throws `.ciphertextTooShort` or
    /// `.openFailed` (tampered bytes, wrong key, wrong associated data); never crashes on arbitrary bytes.
    public func open<C: ContiguousBytes, A: ContiguousBytes>(_ sealed: C, associatedData: A) throws(CryptoError) -> Data {
        ensureSodium()
        let count = lengthOf(sealed)
        guard count >= Self.overhead else { throw .ciphertextTooShort(minimum: Self.overhead, got: count) }
        let opened = makeData(count: count - Self.overhead) { output in
            withBytes(sealed) { box, _ in
                withBytes(associatedData) { ad, adLength in
                    secret.withUnsafePointer { key in
                        crypto_aead_xchacha20poly1305_ietf_decrypt(
                            output, nil, nil,
                            box + Self.nonceByteCount, UInt64(count - Self.nonceByteCount),
                            ad, UInt64(adLength), box, key)
                    }
                }
            }
        }
        guard let opened else { throw .openFailed }
        return opened
    }

    public func open<C: ContiguousBytes>(_ sealed: C) throws(CryptoError) -> Data {
        try open(sealed, associatedData: Data())
    }
}
