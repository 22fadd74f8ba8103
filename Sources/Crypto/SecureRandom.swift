import CSodium
import Foundation

/// Randomness from libsodium's CSPRNG (the kernel's `getrandom`).
public enum SecureRandom {
    public static func bytes(count: Int) -> Data {
        ensureSodium()
        return makeData(count: count) { buffer in
            randombytes_buf(buffer, count)
            return 0
        }!
    }

    /// A uniform integer in `0..<upperBound` (no modulo bias).
    public static func uniform(below upperBound: UInt32) -> UInt32 {
        ensureSodium()
        return randombytes_uniform(upperBound)
    }
}

/// Compares two byte strings in time that depends only on their lengths, never on where they differ.
/// Lengths are not secret: different lengths return `false` at once.
public func constantTimeEqual<A: ContiguousBytes, B: ContiguousBytes>(_ a: A, _ b: B) -> Bool {
    ensureSodium()
    let count = lengthOf(a)
    guard count == lengthOf(b) else { return false }
    guard count > 0 else { return true }
    return withBytes(a) { left, _ in withBytes(b) { right, _ in sodium_memcmp(left, right, count) == 0 } }
}

/// A 32-byte BLAKE2b hash (`crypto_generichash`), for fingerprints and checksums; not for passwords.
public func blake2b<M: ContiguousBytes>(_ message: M, outputLength: Int = 32) -> Data {
    precondition((16...64).contains(outputLength), "BLAKE2b output length must be 16 to 64 bytes")
    ensureSodium()
    return makeData(count: outputLength) { output in
        withBytes(message) { input, length in
            crypto_generichash(output, outputLength, input, UInt64(length), nil, 0)
        }
    }!
}

/// SHA-256 (`crypto_hash_sha256`), where a standard asks for it: a Content-Security-Policy hash.
public func sha256<M: ContiguousBytes>(_ message: M) -> Data {
    ensureSodium()
    return makeData(count: Int(crypto_hash_sha256_bytes())) { output in
        withBytes(message) { input, length in crypto_hash_sha256(output, input, UInt64(length)) }
    }!
}
