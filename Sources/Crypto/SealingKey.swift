import CSodium
import Foundation

/// An X25519 public key (RFC 7748): 32 bytes. Anyone holding it can seal messages to its owner.
public struct SealingPublicKey: Hashable, Sendable {
    public static let byteCount = 32
    /// Bytes a sealed box adds to its plaintext: an ephemeral public key and a Poly1305 tag.
    public static let sealOverhead = Int(crypto_box_sealbytes())
    public let bytes: Data

    public init<B: ContiguousBytes>(bytes: B) throws(CryptoError) {
        let count = lengthOf(bytes)
        guard count == Self.byteCount else {
            throw .invalidKeyLength(what: "X25519 public key", expected: Self.byteCount, got: count)
        }
        self.bytes = bytes.withUnsafeBytes { Data($0) }
    }

    /// For bytes libsodium just produced, whose length is known to be right.
    init(trusted bytes: Data) {
        self.bytes = bytes
    }

    /// Seals `plaintext` to this key (`crypto_box_seal`) under a fresh ephemeral key.
    ///
    /// A sealed box is anonymous: it does **not** authenticate the sender. Whoever needs to know who
    /// sent it must check a signature inside.
    public func seal<M: ContiguousBytes>(_ plaintext: M) -> Data {
        ensureSodium()
        let length = lengthOf(plaintext)
        return makeData(count: length + Self.sealOverhead) { sealed in
            withBytes(plaintext) { message, count in
                withBytes(bytes) { key, _ in crypto_box_seal(sealed, message, UInt64(count), key) }
            }
        }!
    }
}

/// An X25519 key pair for opening sealed boxes. The 32-byte secret lives in wiped memory.
public struct SealingKeyPair: Sendable {
    public static let secretByteCount = 32

    public let publicKey: SealingPublicKey
    private let secret: SecretBytes

    /// A fresh key pair from the system CSPRNG.
    public init() {
        self.init(secret: SecretBytes(random: Self.secretByteCount))
    }

    /// The key pair of a 32-byte X25519 secret scalar (its public key is `crypto_scalarmult_base`).
    public init<B: ContiguousBytes>(secretKey: B) throws(CryptoError) {
        let count = lengthOf(secretKey)
        guard count == Self.secretByteCount else {
            throw .invalidKeyLength(what: "X25519 secret key", expected: Self.secretByteCount, got: count)
        }
        self.init(secret: SecretBytes(copying: secretKey))
    }

    private init(secret: SecretBytes) {
        ensureSodium()
        let publicBytes = makeData(count: SealingPublicKey.byteCount) { point in
            secret.withUnsafePointer { scalar in crypto_scalarmult_base(point, scalar) }
        }!
        self.secret = secret
        publicKey = SealingPublicKey(trusted: publicBytes)
    }

    /// The 32-byte secret, for writing a key file. The returned `Data` is not wiped when dropped.
    public func exportSecret() -> Data {
        secret.copyBytes()
    }

    /// Opens a box sealed to this key pair. Throws `.ciphertextTooShort` or `.openFailed`; never crashes
    /// on arbitrary bytes.
    public func open<C: ContiguousBytes>(_ sealed: C) throws(CryptoError) -> Data {
        ensureSodium()
        let count = lengthOf(sealed)
        guard count >= SealingPublicKey.sealOverhead else {
            throw .ciphertextTooShort(minimum: SealingPublicKey.sealOverhead, got: count)
        }
        let opened = makeData(count: count - SealingPublicKey.sealOverhead) { message in
            withBytes(sealed) { box, length in
                withBytes(publicKey.bytes) { publicPointer, _ in
                    secret.withUnsafePointer { secretPointer in
                        crypto_box_seal_open(message, box, UInt64(length), publicPointer, secretPointer)
                    }
                }
            }
        }
        guard let opened else { throw .openFailed }
        return opened
    }

    /// The raw X25519 shared secret with `peer` (RFC 7748 section 6.1). Not a key by itself: hash it
    /// before use. Throws `.weakPublicKey` for a low-order peer key.
    public func sharedSecret(with peer: SealingPublicKey) throws(CryptoError) -> SecretBytes {
        ensureSodium()
        var status: Int32 = 0
        let shared = SecretBytes(count: Int(crypto_scalarmult_bytes())) { output in
            status = withBytes(peer.bytes) { point, _ in
                secret.withUnsafePointer { scalar in crypto_scalarmult(output, scalar, point) }
            }
        }
        guard status == 0 else { throw .weakPublicKey }
        return shared
    }
}
