import Foundation
import MeetupCrypto
import VectorFiles
import Testing

@Suite("RFC test vectors")
struct RFCVectorTests {
    @Test("RFC 8032 Ed25519 vectors: derived keys and signatures match, altered ones fail",
          arguments: try VectorFile.all(in: "ed25519"))
    func ed25519(vector: VectorFile) throws {
        let pair = try SigningKeyPair(seed: try vector.hex("secret_key"))
        #expect(pair.publicKey.bytes == (try vector.hex("public_key")), "\(vector.name)")
        let message = try vector.hex("message")
        let signature = try vector.hex("signature")
        let publicKey = try SigningPublicKey(bytes: try vector.hex("public_key"))
        switch vector.expect {
        case "success":
            #expect(pair.sign(message) == signature, "\(vector.name)")
            try publicKey.verify(signature: signature, for: message)
        case "signature failure":
            #expect(throws: CryptoError.invalidSignature) {
                try publicKey.verify(signature: signature, for: message)
            }
        default:
            Issue.record("\(vector.name): unknown expect \(vector.expect)")
        }
    }

    @Test("the vector folders hold the RFC scenarios the issue names")
    func vectorFoldersAreComplete() throws {
        let ed25519 = try VectorFile.all(in: "ed25519").map(\.name)
        for name in ["rfc8032-test-1.txt", "rfc8032-test-2.txt", "rfc8032-test-3.txt", "rfc8032-test-1024.txt"] {
            #expect(ed25519.contains(name))
        }
        let long = try VectorFile.all(in: "ed25519").first { $0.name == "rfc8032-test-1024.txt" }
        #expect(try long?.hex("message").count == 1023)
        #expect(try VectorFile.all(in: "x25519").contains { $0.name == "rfc7748-section-6.1.txt" })
    }

    @Test("RFC 7748 X25519 vectors: public keys and the shared secret match both ways",
          arguments: try VectorFile.all(in: "x25519"))
    func x25519(vector: VectorFile) throws {
        let alice = try SealingKeyPair(secretKey: try vector.hex("alice_secret"))
        switch vector.expect {
        case "success":
            let bob = try SealingKeyPair(secretKey: try vector.hex("bob_secret"))
            #expect(alice.publicKey.bytes == (try vector.hex("alice_public")))
            #expect(bob.publicKey.bytes == (try vector.hex("bob_public")))
            let shared = try vector.hex("shared")
            #expect(try alice.sharedSecret(with: bob.publicKey).copyBytes() == shared)
            #expect(try bob.sharedSecret(with: alice.publicKey).copyBytes() == shared)
        case "weak public key":
            let peer = try SealingPublicKey(bytes: try vector.hex("bob_public"))
            #expect(throws: CryptoError.weakPublicKey) { try alice.sharedSecret(with: peer) }
        default:
            Issue.record("\(vector.name): unknown expect \(vector.expect)")
        }
    }
}
