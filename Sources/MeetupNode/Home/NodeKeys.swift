import Foundation
import MeetupControl
import MeetupCrypto
import MeetupProtocol

/// The node's secrets: its identity (Ed25519 signing and X25519 sealing key pairs) and the data key that
/// seals sensitive columns. Created on first start, loaded afterwards, never replaced.
public struct NodeKeys: Sendable {
    public let signing: SigningKeyPair
    public let sealing: SealingKeyPair
    public let dataKey: SymmetricKey

    public var fingerprint: NodeFingerprint {
        NodeFingerprint(signingKey: signing.publicKey, sealingKey: sealing.publicKey)
    }

    /// Loads the keys in `home`, creating the missing ones on first start. A data key missing beside an
    /// existing database is an error, since a fresh key could not open what the old one sealed.
    public static func loadOrCreate(in home: NodeHome) throws(NodeStartError) -> NodeKeys {
        let manager = FileManager.default
        if !manager.fileExists(atPath: home.identityKeyPath) {
            let signing = SigningKeyPair()
            let sealing = SealingKeyPair()
            try wrap { () throws(KeyFileError) in
                try KeyFile.create(
                    kind: .identity, body: signing.exportSeed() + sealing.exportSecret(), path: home.identityKeyPath)
            }
        }
        if !manager.fileExists(atPath: home.dataKeyPath) {
            if manager.fileExists(atPath: home.databasePath) {
                throw .keyFile(.dataKeyMissing(path: home.dataKeyPath, database: home.databasePath))
            }
            try wrap { () throws(KeyFileError) in
                try KeyFile.create(kind: .dataKey, body: SymmetricKey().exportBytes(), path: home.dataKeyPath)
            }
        }
        for path in [home.identityKeyPath, home.dataKeyPath] {
            do { try home.checkPrivate(file: path) } catch { throw .home(error) }
        }
        return try wrap { () throws(KeyFileError) in
            let identity = try KeyFile.read(kind: .identity, path: home.identityKeyPath)
            let data = try KeyFile.read(kind: .dataKey, path: home.dataKeyPath)
            do {
                return NodeKeys(
                    signing: try SigningKeyPair(seed: identity.prefix(SigningKeyPair.seedByteCount)),
                    sealing: try SealingKeyPair(secretKey: identity.suffix(SealingKeyPair.secretByteCount)),
                    dataKey: try SymmetricKey(bytes: data))
            } catch {
                throw .corrupt(path: home.identityKeyPath)
            }
        }
    }

    private static func wrap<T>(_ body: () throws(KeyFileError) -> T) throws(NodeStartError) -> T {
        do { return try body() } catch { throw .keyFile(error) }
    }
}
