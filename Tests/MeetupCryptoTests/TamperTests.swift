import Foundation
import MeetupCrypto
import Testing

@Suite("bad bytes give typed errors, never a crash")
struct TamperTests {
    let message = Data("meet at the station, 21:00".utf8)

    @Test("a sealed box with any one byte flipped does not open")
    func sealedBoxTamper() throws {
        let recipient = SealingKeyPair()
        let sealed = recipient.publicKey.seal(message)
        #expect(try recipient.open(sealed) == message)
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x01
            #expect(throws: CryptoError.openFailed) { try recipient.open(tampered) }
        }
    }

    @Test("a sealed box opened with another key fails")
    func sealedBoxWrongKey() {
        let sealed = SealingKeyPair().publicKey.seal(message)
        #expect(throws: CryptoError.openFailed) { try SealingKeyPair().open(sealed) }
    }

    @Test("truncated and empty sealed boxes say they are too short")
    func sealedBoxTruncated() {
        let recipient = SealingKeyPair()
        let sealed = recipient.publicKey.seal(message)
        #expect(throws: CryptoError.openFailed) { try recipient.open(sealed.dropLast()) }
        #expect(throws: CryptoError.ciphertextTooShort(minimum: 48, got: 47)) { try recipient.open(sealed.prefix(47)) }
        #expect(throws: CryptoError.ciphertextTooShort(minimum: 48, got: 0)) { try recipient.open(Data()) }
    }

    @Test("an empty plaintext seals and opens")
    func sealedBoxEmptyPlaintext() throws {
        let recipient = SealingKeyPair()
        #expect(try recipient.open(recipient.publicKey.seal(Data())) == Data())
    }

    @Test("XChaCha20-Poly1305: tampered, truncated, wrong key or wrong context fails")
    func symmetricTamper() throws {
        let key = SymmetricKey()
        let context = Data("plan.details:abc".utf8)
        let sealed = key.seal(message, associatedData: context)
        #expect(try key.open(sealed, associatedData: context) == message)
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x80
            #expect(throws: CryptoError.openFailed) { try key.open(tampered, associatedData: context) }
        }
        #expect(throws: CryptoError.openFailed) { try key.open(sealed, associatedData: Data("plan.details:abd".utf8)) }
        #expect(throws: CryptoError.openFailed) { try SymmetricKey().open(sealed, associatedData: context) }
        #expect(throws: CryptoError.openFailed) { try key.open(sealed.dropLast(), associatedData: context) }
        #expect(throws: CryptoError.ciphertextTooShort(minimum: 40, got: 0)) { try key.open(Data()) }
    }

    @Test("two seals of one plaintext differ (fresh nonces)")
    func symmetricNonceFreshness() {
        let key = SymmetricKey()
        #expect(key.seal(message) != key.seal(message))
    }

    @Test("signatures: a flipped bit, another message, another key, or a short signature fail")
    func signatureTamper() throws {
        let signer = SigningKeyPair()
        let signature = signer.sign(message)
        try signer.publicKey.verify(signature: signature, for: message)
        var flipped = signature
        flipped[10] ^= 0x04
        #expect(throws: CryptoError.invalidSignature) { try signer.publicKey.verify(signature: flipped, for: message) }
        #expect(throws: CryptoError.invalidSignature) {
            try signer.publicKey.verify(signature: signature, for: message + Data([0]))
        }
        #expect(throws: CryptoError.invalidSignature) {
            try SigningKeyPair().publicKey.verify(signature: signature, for: message)
        }
        #expect(throws: CryptoError.invalidSignatureLength(got: 63)) {
            try signer.publicKey.verify(signature: signature.prefix(63), for: message)
        }
        #expect(throws: CryptoError.invalidSignatureLength(got: 0)) {
            try signer.publicKey.verify(signature: Data(), for: message)
        }
    }

    @Test("keys of the wrong length are refused with their name and sizes")
    func wrongKeyLengths() {
        #expect(throws: CryptoError.invalidKeyLength(what: "Ed25519 public key", expected: 32, got: 31)) {
            try SigningPublicKey(bytes: Data(count: 31))
        }
        #expect(throws: CryptoError.invalidKeyLength(what: "Ed25519 seed", expected: 32, got: 0)) {
            try SigningKeyPair(seed: Data())
        }
        #expect(throws: CryptoError.invalidKeyLength(what: "X25519 public key", expected: 32, got: 33)) {
            try SealingPublicKey(bytes: Data(count: 33))
        }
        #expect(throws: CryptoError.invalidKeyLength(what: "X25519 secret key", expected: 32, got: 16)) {
            try SealingKeyPair(secretKey: Data(count: 16))
        }
        #expect(throws: CryptoError.invalidKeyLength(what: "XChaCha20-Poly1305 key", expected: 32, got: 64)) {
            try SymmetricKey(bytes: Data(count: 64))
        }
        #expect("\(CryptoError.invalidKeyLength(what: "X25519 public key", expected: 32, got: 31))"
            == "X25519 public key: expected 32 bytes, got 31")
    }

    @Test("exported secrets rebuild the same key pairs")
    func exportRoundTrip() throws {
        let signing = SigningKeyPair()
        #expect(try SigningKeyPair(seed: signing.exportSeed()).publicKey == signing.publicKey)
        let sealing = SealingKeyPair()
        #expect(try SealingKeyPair(secretKey: sealing.exportSecret()).publicKey == sealing.publicKey)
        let key = SymmetricKey()
        #expect(try SymmetricKey(bytes: key.exportBytes()).open(key.seal(message)) == message)
    }

    @Test("constant-time comparison compares contents and lengths")
    func constantTimeComparison() {
        #expect(constantTimeEqual(Data([1, 2, 3]), Data([1, 2, 3])))
        #expect(!constantTimeEqual(Data([1, 2, 3]), Data([1, 2, 4])))
        #expect(!constantTimeEqual(Data([1, 2, 3]), Data([1, 2])))
        #expect(constantTimeEqual(Data(), Data()))
        #expect(SecureRandom.bytes(count: 16) != SecureRandom.bytes(count: 16))
    }
}
