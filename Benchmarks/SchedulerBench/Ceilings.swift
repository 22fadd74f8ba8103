// The ceilings the node's figures are read against: what libsodium and SQLite do on one core here, with
// nothing of the node around them.
import Foundation
import GRDB
import MeetupCrypto
import MeetupNode
import MeetupProtocol

struct Ceilings {
    var sign, verify, seal, open, signAndSeal, openAndVerify: Double
    var singleCommits, batchedRows: Double

    /// Operations per second of `body`, run for about `seconds`.
    static func rate(seconds: Double = 0.5, _ body: () throws -> Void) rethrows -> Double {
        var count = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        while elapsed < seconds {
            for _ in 0 ..< 64 { try body() }
            count += 64
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        return Double(count) / elapsed
    }

    /// Measures each ceiling with a body of `bodyBytes` (an alert's payload is about a kilobyte).
    static func measure(bodyBytes: Int = 1_024) throws -> Ceilings {
        let signer = SigningKeyPair()
        let recipient = SealingKeyPair()
        let message = SecureRandom.bytes(count: bodyBytes)
        let signature = signer.sign(message)
        let sealed = recipient.publicKey.seal(message)
        let envelope = Envelope(
            type: .heartbeat, created: Date(), expires: Date().addingTimeInterval(3_600), sender: signer.publicKey, body: message)
        let envelopeSealed = envelope.seal(signer: signer, to: recipient.publicKey)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("meetup-ceiling-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store.open(path: directory.path + "/meetup.sqlite", cipher: DataCipher(key: SymmetricKey()))
        try store.writer.write { db in try db.execute(sql: "CREATE TABLE bench (id INTEGER PRIMARY KEY, body BLOB)") }
        let row = Data(repeating: 1, count: 512)
        let single = try rate(seconds: 1) {
            try store.writer.write { db in try db.execute(sql: "INSERT INTO bench (body) VALUES (?)", arguments: [row]) }
        }
        let batches = try rate(seconds: 1) {
            try store.writer.write { db in
                for _ in 0 ..< 256 { try db.execute(sql: "INSERT INTO bench (body) VALUES (?)", arguments: [row]) }
            }
        }
        return try Ceilings(
            sign: rate { _ = signer.sign(message) },
            verify: rate { try signer.publicKey.verify(signature: signature, for: message) },
            seal: rate { _ = recipient.publicKey.seal(message) },
            open: rate { _ = try recipient.open(sealed) },
            signAndSeal: rate { _ = envelope.seal(signer: signer, to: recipient.publicKey) },
            openAndVerify: rate { _ = try Envelope.open(envelopeSealed, with: recipient) },
            singleCommits: single, batchedRows: batches * 256)
    }

    func print() {
        Swift.print(String(
            format: "ceilings, one core: sign %.0f/s, verify %.0f/s, seal %.0f/s, open %.0f/s; an envelope sign+seal %.0f/s, open+verify %.0f/s",
            sign, verify, seal, open, signAndSeal, openAndVerify))
        Swift.print(String(
            format: "ceilings, SQLite in the store's settings (WAL, synchronous=FULL): %.0f single-row commits/s, %.0f rows/s in commits of 256 (×%.0f)",
            singleCommits, batchedRows, batchedRows / singleCommits))
    }
}
