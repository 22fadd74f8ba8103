import Foundation
import MeetupCrypto
import VectorFiles
import Testing

/// What Swift signs and seals, PyNaCl verifies and opens, and the other way round: proof that we speak
/// libsodium's formats and not merely our own.
@Suite("PyNaCl interop")
struct PyNaClInteropTests {
    let message = Data("meet at the station, 21:00 — café du Nord".utf8)

    @Test("PyNaCl's signature, sealed box, AEAD and Argon2id hash verify and open in Swift")
    func pythonToSwift() throws {
        let recipient = SealingKeyPair()
        let answer = try runPeer("make", [
            "recipient_seal_public": recipient.publicKey.bytes.hex,
            "message": message.hex,
        ])
        let signer = try SigningPublicKey(bytes: try Data(hex: answer["signing_public"] as! String))
        let signature = try Data(hex: answer["signature"] as! String)
        try signer.verify(signature: signature, for: message)
        #expect(throws: CryptoError.invalidSignature) { try signer.verify(signature: signature, for: message.dropLast()) }
        #expect(try recipient.open(try Data(hex: answer["sealed"] as! String)) == message)
        let key = try SymmetricKey(bytes: try Data(hex: answer["aead_key"] as! String))
        let context = try Data(hex: answer["aead_context"] as! String)
        #expect(try key.open(try Data(hex: answer["aead_sealed"] as! String), associatedData: context) == message)
        let hash = answer["argon2id_hash"] as! String
        #expect(try Argon2id.verify(password: try Data(hex: answer["password"] as! String), against: hash))
        #expect(try !Argon2id.verify(password: Data("0000".utf8), against: hash))
    }

    @Test("Swift's signature, sealed box, AEAD and Argon2id hash verify and open in PyNaCl; tampered ones do not")
    func swiftToPython() throws {
        let signer = SigningKeyPair()
        let recipient = SealingKeyPair()
        let key = SymmetricKey()
        let context = Data("interop".utf8)
        let password = Data("2468".utf8)
        var request: [String: String] = [
            "signing_public": signer.publicKey.bytes.hex,
            "message": message.hex,
            "signature": signer.sign(message).hex,
            "sealed": recipient.publicKey.seal(message).hex,
            "seal_secret": recipient.exportSecret().hex,
            "aead_key": key.exportBytes().hex,
            "aead_sealed": key.seal(message, associatedData: context).hex,
            "aead_context": context.hex,
            "argon2id_hash": try Argon2id.hash(password: password, limits: .minimum),
            "password": password.hex,
        ]
        let good = try runPeer("check", request)
        #expect(good["signature_ok"] as? Bool == true)
        #expect(good["opened"] as? String == message.hex)
        #expect(good["aead_opened"] as? String == message.hex)
        #expect(good["password_ok"] as? Bool == true)

        var signature = signer.sign(message)
        signature[0] ^= 1
        var sealed = recipient.publicKey.seal(message)
        sealed[sealed.count - 1] ^= 1
        request["signature"] = signature.hex
        request["sealed"] = sealed.hex
        request["aead_context"] = Data("other".utf8).hex
        request["password"] = Data("1357".utf8).hex
        let bad = try runPeer("check", request)
        #expect(bad["signature_ok"] as? Bool == false)
        #expect(bad["opened"] is NSNull)
        #expect(bad["aead_opened"] is NSNull)
        #expect(bad["password_ok"] as? Bool == false)
    }

    /// Runs `Tests/Interop/pynacl_peer.py COMMAND` with `request` as JSON on stdin.
    private func runPeer(_ command: String, _ request: [String: String], file: StaticString = #filePath) throws -> [String: Any] {
        let script = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Interop/pynacl_peer.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, command]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: request))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "pynacl_peer.py \(command) failed (is PyNaCl installed? run make deps): \(stderr)")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}
