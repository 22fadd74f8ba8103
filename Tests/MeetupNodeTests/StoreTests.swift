import Foundation
import GRDB
import MeetupCrypto
@testable import MeetupNode
import Testing

@Suite("Store")
struct StoreTests {
    let cipher = DataCipher(key: SymmetricKey())

    @Test("a new database is in WAL mode with synchronous=FULL, foreign keys on and every migration applied")
    func pragmas() throws {
        let directory = try TemporaryDirectory()
        let store = try Store.open(path: directory.path + "/meetup.sqlite", cipher: cipher)
        let (journal, synchronous, foreignKeys, secureDelete) = try store.writer.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"),
             try Int.fetchOne(db, sql: "PRAGMA foreign_keys"), try Int.fetchOne(db, sql: "PRAGMA secure_delete"))
        }
        #expect(journal == "wal")
        #expect(synchronous == 2)  // FULL
        #expect(foreignKeys == 1)
        #expect(secureDelete == 1)
        #expect(try store.schemaVersion() == Store.migrator.migrations.count)
    }

    @Test("the creation time is recorded once and kept across opens")
    func creationTime() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/meetup.sqlite"
        let first = Date(timeIntervalSince1970: 1_800_000_000)
        try Store.open(path: path, cipher: cipher).recordCreation(at: first)
        let reopened = try Store.open(path: path, cipher: cipher)
        try reopened.recordCreation(at: first.addingTimeInterval(3600))
        #expect(try reopened.createdAt() == first)
    }

    @Test("a database from a newer meetupd is refused and left unchanged")
    func futureSchema() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/meetup.sqlite"
        _ = try Store.open(path: path, cipher: cipher)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        }
        let before = try schemaDump(queue)
        #expect(throws: StoreError.futureSchema(path: path, migrations: ["v99-from-the-future"])) {
            try Store.open(path: path, cipher: cipher)
        }
        #expect(try schemaDump(queue) == before)
        #expect("\(StoreError.futureSchema(path: path, migrations: ["v99"]))".contains("upgrade meetupd"))
    }

    @Test("a file that is not a database is refused and left unchanged")
    func notADatabase() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/meetup.sqlite"
        let junk = Data(repeating: 0x5A, count: 8192)
        try junk.write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreError.notADatabase(path: path)) { try Store.open(path: path, cipher: cipher) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == junk)
    }

    /// The schema and the applied migrations: what a refused open must not change.
    private func schemaDump(_ queue: DatabaseQueue) throws -> [String] {
        try queue.read { db in
            try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
                + String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
        }
    }
}
