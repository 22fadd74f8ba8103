import GRDB

extension Store {
    /// One row, by a condition on indexed columns, through a statement SQLite prepares once per connection.
    /// GRDB's query interface prepares a statement on every call, and its statement authorizer took 9 % of
    /// the user's node's CPU in a wave of alerts: the per-row look-ups of the hot paths (advancing a plan,
    /// fanning out a notice, opening an envelope, a heartbeat) come through here.
    static func fetchOne<Record: FetchableRecord & TableRecord>(
        _ type: Record.Type, _ db: Database, columns: String = "*", where condition: String, _ arguments: StatementArguments
    ) throws -> Record? {
        try Record.fetchOne(
            db.cachedStatement(sql: "SELECT \(columns) FROM \(Record.databaseTableName) WHERE \(condition)"), arguments: arguments)
    }

    /// A read of one statement, on a reader connection, without a transaction around it: SQLite reads a
    /// single statement from one snapshot already, and GRDB's `read` would add a BEGIN and a COMMIT that it
    /// prepares on every call. Only for a body that runs exactly one statement.
    func readOne<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.unsafeRead(body)
    }
}

extension Database {
    /// `work` in a savepoint of the transaction under way, rolled back alone if it throws, by statements
    /// prepared once per connection: GRDB's `inSavepoint` prepares its SAVEPOINT and RELEASE on every call,
    /// two statements for each envelope received or notice fanned out. (GRDB still sees each savepoint: a
    /// statement's effect on the transaction is read when it is prepared.) Should the rollback itself fail,
    /// it throws `SavepointRollbackFailed`: the transaction then holds the failed work's writes, and must not
    /// commit.
    func inCachedSavepoint<T>(_ work: () throws -> T) throws -> T {
        precondition(isInsideTransaction, "a savepoint of the transaction under way")
        try cachedStatement(sql: "SAVEPOINT work").execute()
        let result: T
        do {
            result = try work()
        } catch {
            // Unless SQLite rolled back the whole transaction already, which took the savepoint with it.
            if isInsideTransaction {
                do {
                    try cachedStatement(sql: "ROLLBACK TO SAVEPOINT work").execute()
                    try cachedStatement(sql: "RELEASE SAVEPOINT work").execute()
                } catch {
                    throw SavepointRollbackFailed(error: error)
                }
            }
            throw error
        }
        try cachedStatement(sql: "RELEASE SAVEPOINT work").execute()
        return result
    }
}

struct SavepointRollbackFailed: Error {
    let error: any Error
}

extension Store {
    /// Inserts `record`, its columns as its `encode(to:)` writes them, by a statement prepared once per
    /// connection; returns the row id SQLite gave it. GRDB's `insert` and `update` rebuild their statement's
    /// column set (hashing and lowercasing each name) on every call: that was a third of advancing a plan in
    /// a wave of alerts. The rows the hot paths write come through here and `updateRow`.
    @discardableResult
    static func insertRow<Record: EncodableRecord & TableRecord>(_ record: Record, _ db: Database) throws -> Int64 {
        let values = try record.databaseDictionary.sorted { $0.key < $1.key }
        let sql = "INSERT INTO \(Record.databaseTableName) (\(values.map(\.key).joined(separator: ", "))) VALUES ("
            + Array(repeating: "?", count: values.count).joined(separator: ", ") + ")"
        try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(values.map(\.value)))
        return db.lastInsertedRowID
    }

    /// Updates every column of the row whose `key` column holds the record's value, as `insertRow` inserts.
    /// Throws GRDB's `recordNotFound` when there is no such row.
    static func updateRow<Record: EncodableRecord & TableRecord>(_ record: Record, _ db: Database, key: String) throws {
        let values = try record.databaseDictionary
        guard let keyValue = values[key] else { preconditionFailure("\(Record.databaseTableName) has no column \(key)") }
        let columns = values.filter { $0.key != key }.sorted { $0.key < $1.key }
        let sql = "UPDATE \(Record.databaseTableName) SET \(columns.map { "\($0.key) = ?" }.joined(separator: ", ")) WHERE \(key) = ?"
        try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(columns.map(\.value) + [keyValue]))
        if db.changesCount == 0 {
            throw RecordError.recordNotFound(databaseTableName: Record.databaseTableName, key: [key: keyValue])
        }
    }
}
