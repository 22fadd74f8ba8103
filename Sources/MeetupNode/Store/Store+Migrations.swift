import GRDB

extension Store {
    /// The schema, one named migration per step. A migration that has shipped is never edited: a change is
    /// a new migration. Migrations use table names as strings, never record types, so that they keep
    /// meaning what they meant when they shipped.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-node") { db in
            // One row describing this node's database: when it was created, for status and backups.
            try db.create(table: "node") { table in
                table.column("id", .integer).primaryKey().check { $0 == 1 }
                table.column("created_at", .datetime).notNull()
            }
        }
        return migrator
    }
}
