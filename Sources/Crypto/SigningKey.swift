import CSodium
import Foundation

/// An Ed25519 public key (RFC 8032): 32 bytes.
public struct SigningPublicKey: Hashable, Sendable {
    public static let byteCount = 32
    public let bytes: Data

    public init<B: ContiguousBytes>(bytes: B) throws(CryptoError) {
        let count = lengthOf(bytes)
        guard count == Self.byteCount else {
            throw .invalidKeyLength(what: "Ed25519 public key", expected: Self.byteCount, got: count)
        }
        self.bytes = bytes.withUnsafeBytes { Data($0) }
    }

    /// For bytes libsodium just produced, whose length is known to be right.
    init(trusted bytes: Data) {
        self.bytes = bytes
    }

    /// Checks a 64-byte detached signature over `message`; throws `.invalidSignature` when it does not verify.
    public func verify<S: ContiguousBytes, M: ContiguousBytes>(signature: S, for message: M) throws(CryptoError) {
        ensureSodium()
        let count = lengthOf(signature)
        guard count == SigningKeyPair.signatureByteCount else { throw .invalidSignatureLength(got: count) }
        let status = withBytes(signature) { sig, _ in
            withBytes(message) { msg, length in
                withBytes(bytes) { key, _ in crypto_sign_verify_detached(sig, msg, UInt64(length), key) }
            }
        }
        guard status == 0 else { throw .invalidSignature }
    }
}

/// An Ed25519 key pair. The secret half lives in wiped memory; only the 32-byte seed is ever exported.
public struct SigningKeyPair: Sendable {
    public static let seedByteCount = 32
    public static let signatureByteCount = 64

    public let publicKey: SigningPublicKey
    /// libsodium's 64-byte secret key (seed followed by public key).
    private let secret: SecretBytes

    /// A fresh key pair from the system CSPRNG.
    public init() {
        self.init(seed: SecretBytes(random: Self.seedByteCount))
    }

    /// The key pair RFC 8032 derives from a 32-byte seed (its "secret key").
    public init<B: ContiguousBytes>(seed: B) throws(CryptoError) {
        let count = lengthOf(seed)
        guard count == Self.seedByteCount else {
            throw .invalidKeyLength(what: "Ed25519 seed", expected: Self.seedByteCount, got: count)
        }
        self.init(seed: SecretBytes(copying: seed))
    }

    private init(seed: SecretBytes) {
        ensureSodium()
        var publicBytes = Data(count: SigningPublicKey.byteCount)
        secret = SecretBytes(count: Int(crypto_sign_secretkeybytes())) { secretPointer in
            publicBytes.withUnsafeMutableBytes { publicPointer in
                seed.withUnsafePointer { seedPointer in
                    _ = crypto_sign_seed_keypair(
                        publicPointer.baseAddress!.assumingMemoryBound(to: UInt8.self), secretPointer, seedPointer)
                }
            }
        }
        publicKey = SigningPublicKey(trusted: publicBytes)
    }

    /// The 32-byte seed, for writing a key file. The returned `Data` is not wiped when dropped.
    public func exportSeed() -> Data {
        secret.copyBytes().prefix(Self.seedByteCount)
    }

    /// A 64-byte detached signature over `message`.
    public func sign<M: ContiguousBytes>(_ message: M) -> Data {
        ensureSodium()
        return makeData(count: Self.signatureByteCount) { signature in
            withBytes(message) { msg, length in
                secret.withUnsafePointer { key in crypto_sign_detached(signature, nil, msg, UInt64(length), key) }
            }
        }!
    }
}
