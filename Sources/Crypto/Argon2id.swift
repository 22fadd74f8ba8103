import CSodium
import Foundation

/// Argon2id (`crypto_pwhash`) for PINs and passphrases: slow and memory-hard on purpose.
public enum Argon2id {
    /// CPU and memory cost. Both hashing and verifying take about as long as these limits say.
    public struct Limits: Sendable, Equatable {
        public var operations: UInt64
        public var memoryBytes: Int

        public init(operations: UInt64, memoryBytes: Int) {
            self.operations = operations
            self.memoryBytes = memoryBytes
        }

        /// libsodium's interactive limits: 2 passes over 64 MiB, about 0.1 s on a laptop.
        public static let interactive = Limits(
            operations: UInt64(crypto_pwhash_opslimit_interactive()),
            memoryBytes: Int(crypto_pwhash_memlimit_interactive()))
        /// libsodium's moderate limits: 3 passes over 256 MiB, for passphrases that guard key files.
        public static let moderate = Limits(
            operations: UInt64(crypto_pwhash_opslimit_moderate()),
            memoryBytes: Int(crypto_pwhash_memlimit_moderate()))
        /// The smallest limits libsodium accepts: for tests only, never for stored secrets.
        public static let minimum = Limits(
            operations: UInt64(crypto_pwhash_opslimit_min()),
            memoryBytes: Int(crypto_pwhash_memlimit_min()))
    }

    public static let saltByteCount = Int(crypto_pwhash_saltbytes())

    /// An encoded hash string (`$argon2id$v=19$m=…`) that carries its own salt and limits.
    public static func hash(password: some ContiguousBytes, limits: Limits) throws(CryptoError) -> String {
        ensureSodium()
        var output = [CChar](repeating: 0, count: Int(crypto_pwhash_strbytes()))
        let status = withBytes(password) { pointer, length in
            pointer.withMemoryRebound(to: CChar.self, capacity: max(length, 1)) { chars in
                crypto_pwhash_str(&output, chars, UInt64(length), limits.operations, limits.memoryBytes)
            }
        }
        guard status == 0 else { throw .passwordHashingFailed }
        return String(decoding: output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `password` matches `encodedHash`. The comparison inside libsodium is constant-time; the
    /// running time depends on the hash's limits, not on the password. Throws only for a malformed hash.
    public static func verify(password: some ContiguousBytes, against encodedHash: String) throws(CryptoError) -> Bool {
        ensureSodium()
        guard encodedHash.hasPrefix("$argon2id$"), encodedHash.utf8.count < Int(crypto_pwhash_strbytes()) else {
            throw .invalidPasswordHash
        }
        let status = withBytes(password) { pointer, length in
            pointer.withMemoryRebound(to: CChar.self, capacity: max(length, 1)) { chars in
                crypto_pwhash_str_verify(encodedHash, chars, UInt64(length))
            }
        }
        return status == 0
    }

    /// Derives a symmetric key from a passphrase and a 16-byte salt (for wrapping keys and archives).
    public static func deriveKey(
        password: some ContiguousBytes, salt: some ContiguousBytes, limits: Limits
    ) throws(CryptoError) -> SymmetricKey {
        ensureSodium()
        let saltCount = lengthOf(salt)
        guard saltCount == saltByteCount else {
            throw .invalidKeyLength(what: "Argon2id salt", expected: saltByteCount, got: saltCount)
        }
        var status: Int32 = 0
        let secret = SecretBytes(count: SymmetricKey.byteCount) { output in
            status = withBytes(password) { pointer, length in
                withBytes(salt) { saltPointer, _ in
                    pointer.withMemoryRebound(to: CChar.self, capacity: max(length, 1)) { chars in
                        crypto_pwhash(
                            output, UInt64(SymmetricKey.byteCount), chars, UInt64(length), saltPointer,
                            limits.operations, limits.memoryBytes, crypto_pwhash_alg_argon2id13())
                    }
                }
            }
        }
        guard status == 0 else { throw .passwordHashingFailed }
        return SymmetricKey(secret: secret)
    }
}
