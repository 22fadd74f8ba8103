import Foundation
import GRDB
import MeetupCrypto
@testable import MeetupNode
import Testing

@Suite("DataCipher")
struct DataCipherTests {
    let cipher = DataCipher(key: SymmetricKey())
    let place = SealedColumn(table: "plan", column: "details", rowKey: "p1")

    @Test("a sealed value opens in its own row and column, and nowhere else")
    func boundToItsPlace() throws {
        let sealed = cipher.seal(Data("Le Marais, rue Vieille-du-Temple".utf8), for: place)
        #expect(try cipher.open(sealed, for: place) == Data("Le Marais, rue Vieille-du-Temple".utf8))
        let damaged = StoreError.sealedValueDamaged(table: "plan", column: "details")
        #expect(throws: damaged) { try cipher.open(sealed, for: SealedColumn(table: "plan", column: "details", rowKey: "p2")) }
        #expect(throws: StoreError.sealedValueDamaged(table: "plan", column: "note")) {
            try cipher.open(sealed, for: SealedColumn(table: "plan", column: "note", rowKey: "p1"))
        }
        #expect(throws: damaged) { try DataCipher(key: SymmetricKey()).open(sealed, for: place) }
        #expect(throws: damaged) { try cipher.open(Data(), for: place) }
    }

    @Test("ciphertext lengths come in blocks, so short values all look alike")
    func padding() throws {
        let lengths = Set(["", "a", "Sam", "a pseudonym of forty-odd characters here!"].map {
            cipher.seal(Data($0.utf8), for: place).count
        })
        #expect(lengths == [DataCipher.paddingBlock + SymmetricKey.overhead])
        for size in [0, 62, 63, 64, 65, 200] {
            let value = Data(repeating: 0, count: size)  // trailing zeros must survive unpadding
            #expect(try cipher.open(cipher.seal(value, for: place), for: place) == value)
        }
    }

    @Test("Codable values round-trip through JSON")
    func codable() throws {
        struct Match: Codable, Equatable { let pseudonym: String; let lat: Double }
        let value = Match(pseudonym: "Alex", lat: 48.8566)
        #expect(try cipher.open(Match.self, from: cipher.seal(value, for: place), for: place) == value)
        #expect(throws: StoreError.unencodable(table: "plan", column: "details")) {
            try cipher.seal(Match(pseudonym: "x", lat: .nan), for: place)
        }
    }

    @Test("no clear text in the database file, its WAL or its shared memory")
    func noClearTextAtRest() throws {
        let directory = try TemporaryDirectory()
        let secret = "Rendez-vous with Kiwi_75 at Le Quetzal, 48.8589,2.3551"
        let store = try Store.open(path: directory.path + "/meetup.sqlite", cipher: cipher)
        try store.writer.write { db in
            try db.create(table: "probe") { table in
                table.column("id", .text).primaryKey()
                table.column("details", .blob).notNull()
            }
            for index in 0..<50 {
                let column = SealedColumn(table: "probe", column: "details", rowKey: "\(index)")
                try db.execute(
                    sql: "INSERT INTO probe (id, details) VALUES (?, ?)",
                    arguments: ["\(index)", cipher.seal(Data(secret.utf8), for: column)])
            }
        }
        // The pool is still open: the rows sit in the WAL, not yet checkpointed.
        let files = try directory.allBytes()
        #expect(files.contains { $0.0.hasSuffix("-wal") && $0.1.count > 0 })
        for needle in [secret, "Kiwi_75", "Quetzal", "48.8589"] {
            for (name, bytes) in files {
                #expect(bytes.range(of: Data(needle.utf8)) == nil, "\"\(needle)\" in clear in \(name)")
            }
        }
        let opened = try store.writer.read { db in
            try Data.fetchOne(db, sql: "SELECT details FROM probe WHERE id = '7'")
        }
        #expect(try cipher.open(try #require(opened), for: SealedColumn(table: "probe", column: "details", rowKey: "7"))
            == Data(secret.utf8))
    }

    @Test("the scan that proves the absence does find a value stored in clear")
    func scanFindsClearText() throws {
        let directory = try TemporaryDirectory()
        let store = try Store.open(path: directory.path + "/meetup.sqlite", cipher: cipher)
        try store.writer.write { db in
            try db.execute(sql: "CREATE TABLE probe (details TEXT)")
            try db.execute(sql: "INSERT INTO probe VALUES ('Kiwi_75')")
        }
        #expect(try directory.allBytes().contains { $0.1.range(of: Data("Kiwi_75".utf8)) != nil })
    }
}
