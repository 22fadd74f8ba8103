import Foundation
import MeetupControl
import MeetupCrypto
@testable import MeetupNode
import Testing

@Suite("NodeKeys and KeyFile")
struct NodeKeysTests {
    func freshHome() throws -> (TemporaryDirectory, NodeHome) {
        let directory = try TemporaryDirectory()
        let home = NodeHome(path: directory.path + "/home", isExplicit: true)
        try home.prepare()
        return (directory, home)
    }

    @Test("first start creates 0600 key files; later starts load the same identity")
    func createThenLoad() throws {
        let (directory, home) = try freshHome()
        let created = try NodeKeys.loadOrCreate(in: home)
        for path in [home.identityKeyPath, home.dataKeyPath] {
            #expect(try mode(of: path) == 0o600)
        }
        let loaded = try NodeKeys.loadOrCreate(in: home)
        #expect(loaded.fingerprint == created.fingerprint)
        #expect(loaded.signing.publicKey == created.signing.publicKey)
        #expect(try loaded.dataKey.open(created.dataKey.seal(Data("x".utf8))) == Data("x".utf8))
        _ = directory
    }

    @Test("a damaged key file is refused by name and never replaced")
    func damagedKeyFile() throws {
        let (directory, home) = try freshHome()
        _ = try NodeKeys.loadOrCreate(in: home)
        let url = URL(fileURLWithPath: home.identityKeyPath)
        var bytes = try Data(contentsOf: url)
        bytes[20] ^= 0x01
        try bytes.write(to: url)
        #expect(throws: NodeStartError.keyFile(.corrupt(path: home.identityKeyPath))) {
            try NodeKeys.loadOrCreate(in: home)
        }
        #expect(try Data(contentsOf: url) == bytes)
        _ = directory
    }

    @Test("a truncated or empty key file is refused by name, with its size")
    func truncatedKeyFile() throws {
        let (directory, home) = try freshHome()
        _ = try NodeKeys.loadOrCreate(in: home)
        let url = URL(fileURLWithPath: home.dataKeyPath)
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(30).write(to: url)
        #expect(throws: NodeStartError.keyFile(.wrongSize(path: home.dataKeyPath, what: "data key", expected: 55, got: 30))) {
            try NodeKeys.loadOrCreate(in: home)
        }
        try Data().write(to: url)
        #expect(throws: NodeStartError.keyFile(.wrongSize(path: home.dataKeyPath, what: "data key", expected: 55, got: 0))) {
            try NodeKeys.loadOrCreate(in: home)
        }
        _ = directory
    }

    @Test("a key file of the other kind, or not a key file at all, is refused")
    func wrongKind() throws {
        let body = SymmetricKey().exportBytes()
        let dataKeyFile = KeyFile.encode(kind: .dataKey, body: body)
        #expect(throws: KeyFileError.wrongSize(path: "p", what: "identity key", expected: 87, got: 55)) {
            try KeyFile.decode(dataKeyFile, kind: .identity, path: "p")
        }
        var renamed = dataKeyFile
        renamed[0] = UInt8(ascii: "X")
        #expect(throws: KeyFileError.notAKeyFile(path: "p")) { try KeyFile.decode(renamed, kind: .dataKey, path: "p") }
        var future = dataKeyFile
        future[4] = 2
        #expect(throws: KeyFileError.unsupportedVersion(path: "p", version: 2)) {
            try KeyFile.decode(future, kind: .dataKey, path: "p")
        }
        #expect(try KeyFile.decode(dataKeyFile, kind: .dataKey, path: "p") == body)
    }

    @Test("a key file open to others is refused with the chmod that fixes it")
    func openKeyFile() throws {
        let (directory, home) = try freshHome()
        _ = try NodeKeys.loadOrCreate(in: home)
        chmod(home.identityKeyPath, 0o644)
        #expect(throws: NodeStartError.home(.tooOpen(path: home.identityKeyPath, mode: 0o644))) {
            try NodeKeys.loadOrCreate(in: home)
        }
        _ = directory
    }

    @Test("a missing data key beside an existing database is refused, not replaced")
    func missingDataKey() throws {
        let (directory, home) = try freshHome()
        _ = try NodeKeys.loadOrCreate(in: home)
        try Data("db".utf8).write(to: URL(fileURLWithPath: home.databasePath))
        try FileManager.default.removeItem(atPath: home.dataKeyPath)
        #expect(throws: NodeStartError.keyFile(.dataKeyMissing(path: home.dataKeyPath, database: home.databasePath))) {
            try NodeKeys.loadOrCreate(in: home)
        }
        #expect(!FileManager.default.fileExists(atPath: home.dataKeyPath))
        _ = directory
    }

    @Test("creating a key file never replaces an existing one")
    func neverOverwrites() throws {
        let (directory, home) = try freshHome()
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: home.dataKeyPath))
        #expect(throws: KeyFileError.alreadyExists(path: home.dataKeyPath)) {
            try KeyFile.create(kind: .dataKey, body: SymmetricKey().exportBytes(), path: home.dataKeyPath)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: home.dataKeyPath)) == Data("keep me".utf8))
        _ = directory
    }
}
