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
