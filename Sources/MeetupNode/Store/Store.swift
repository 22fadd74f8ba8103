import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

/// The node's database: the only place SQL and table names appear.
///
/// SQLite in WAL mode with `synchronous=FULL` (docs/ARCHITECTURE.md says why), foreign keys on, schema
/// from the named migrations in `Store.migrator`. Sensitive columns are sealed by `cipher` before they
/// reach SQLite. A struct, since GRDB's writer already serialises writes.
public struct Store: Sendable {
    public let writer: any DatabaseWriter
    public let cipher: DataCipher
    /// Commits concurrent small writes together: what the inbox accepts in a burst.
    let groupCommit: GroupCommit

    /// Opens (or creates) the database file at `path` and migrates it. Refuses a database whose schema
    /// is newer than this build knows, before touching it.
    public static func open(path: String, cipher: DataCipher) throws(StoreError) -> Store {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        // Created private before SQLite opens it: SQLite gives the WAL and shared-memory files the database
        // file's mode, so none of them depends on the process umask.
        let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if fd >= 0 { close(fd) }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw .notADatabase(path: path)
        } catch {
            throw .cannotOpen(path: path, reason: Self.describe(error))
        }
        return try Store(writer: pool, cipher: cipher, path: path)
    }

    private init(writer: any DatabaseWriter, cipher: DataCipher, path: String) throws(StoreError) {
        self.writer = writer
        self.cipher = cipher
        groupCommit = GroupCommit(writer: writer)
        let migrator = Self.migrator
        do {
            let unknown = try writer.read { db in
                try migrator.appliedIdentifiers(db).subtracting(migrator.migrations)
            }
            guard unknown.isEmpty else {
                throw StoreError.futureSchema(path: path, migrations: unknown.sorted())
            }
            try migrator.migrate(writer)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw .notADatabase(path: path)
        } catch {
            throw .cannotOpen(path: path, reason: Self.describe(error))
        }
    }

    /// The schema version: the number of migrations applied.
    public func schemaVersion() throws -> Int {
        try writer.read { db in try Self.migrator.appliedIdentifiers(db).count }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? "\(error.resultCode)"
        }
        return "\(error)"
    }
}

/// Why the store cannot be used. Messages name the path and what to do.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case notADatabase(path: String)
    case futureSchema(path: String, migrations: [String])
    case cannotOpen(path: String, reason: String)
    case sealedValueDamaged(table: String, column: String)
    case unencodable(table: String, column: String)
    case damagedRow(table: String, id: String)

    public var description: String {
        switch self {
        case let .notADatabase(path):
            "database \(path) is not an SQLite database (damaged?); restore it from a backup"
        case let .futureSchema(path, migrations):
            "database \(path) was written by a newer meetupd (unknown migrations: \(migrations.joined(separator: ", "))); upgrade meetupd, it was left unchanged"
        case let .cannotOpen(path, reason):
            "database \(path) cannot be opened: \(reason)"
        case let .sealedValueDamaged(table, column):
            "sealed value in \(table).\(column) does not open (damaged, or sealed under another data key)"
        case let .damagedRow(table, id):
            "row \(id) of \(table) breaks the schema's rules (damaged database?)"
        case let .unencodable(table, column):
            "value for \(table).\(column) cannot be encoded as JSON (a non-finite number?)"
        }
    }
}
