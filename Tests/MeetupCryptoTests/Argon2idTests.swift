import Foundation
import MeetupCrypto
import Testing

@Suite("Argon2id")
struct Argon2idTests {
    let limits = Argon2id.Limits.minimum

    @Test("a hash verifies its own password and no other")
    func hashAndVerify() throws {
        let hash = try Argon2id.hash(password: Data("4711".utf8), limits: limits)
        #expect(hash.hasPrefix("$argon2id$"))
        #expect(try Argon2id.verify(password: Data("4711".utf8), against: hash))
        #expect(try !Argon2id.verify(password: Data("4712".utf8), against: hash))
        #expect(try !Argon2id.verify(password: Data(), against: hash))
    }

    @Test("two hashes of one password differ (random salt)")
    func saltIsRandom() throws {
        let password = Data("4711".utf8)
        #expect(try Argon2id.hash(password: password, limits: limits) != Argon2id.hash(password: password, limits: limits))
    }

    @Test("a malformed hash string is refused, not crashed on")
    func malformedHash() throws {
        #expect(throws: CryptoError.invalidPasswordHash) { try Argon2id.verify(password: Data("1".utf8), against: "") }
        #expect(throws: CryptoError.invalidPasswordHash) {
            try Argon2id.verify(password: Data("1".utf8), against: "$2b$10$abcdefghijklmnopqrstuv")
        }
        #expect(try !Argon2id.verify(password: Data("1".utf8), against: "$argon2id$v=19$m=8,t=1,p=1$garbage"))
    }

    @Test("a derived key depends on password and salt, and needs a 16-byte salt")
    func deriveKey() throws {
        let salt = SecureRandom.bytes(count: Argon2id.saltByteCount)
        let key = try Argon2id.deriveKey(password: Data("correct horse".utf8), salt: salt, limits: limits)
        let same = try Argon2id.deriveKey(password: Data("correct horse".utf8), salt: salt, limits: limits)
        let sealed = key.seal(Data("archive".utf8))
        #expect(try same.open(sealed) == Data("archive".utf8))
        let other = try Argon2id.deriveKey(password: Data("wrong horse".utf8), salt: salt, limits: limits)
        #expect(throws: CryptoError.openFailed) { try other.open(sealed) }
        #expect(throws: CryptoError.invalidKeyLength(what: "Argon2id salt", expected: 16, got: 8)) {
            try Argon2id.deriveKey(password: Data("x".utf8), salt: Data(count: 8), limits: limits)
        }
    }
}
