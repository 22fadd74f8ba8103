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
        migrator.registerMigration("v2-check-in") { db in
            // The node's PIN and duress PIN, as Argon2id strings.
            try db.create(table: "pin") { table in
                table.column("id", .integer).primaryKey().check { $0 == 1 }
                table.column("pin_hash", .text).notNull()
                table.column("duress_hash", .text).notNull()
                table.column("set_at", .datetime).notNull()
            }
            // One row per plan: the machine's state in clear columns (times and phases only), the match,
            // place and contacts sealed in `details`. `wake_at` is the scheduler's queue.
            try db.create(table: "plan") { table in
                table.column("id", .text).primaryKey()
                table.column("phase", .text).notNull()
                    .check(sql: "phase IN ('scheduled', 'active', 'grace', 'alerted', 'done', 'expired')")
                table.column("start_at", .datetime).notNull()
                table.column("until_at", .datetime).notNull()
                table.column("every_seconds", .integer).notNull().check { $0 >= 1 }
                table.column("grace_seconds", .integer).notNull().check { $0 >= 1 }
                table.column("deadline_at", .datetime)
                table.column("reminded_for", .datetime)
                table.column("last_check_in_at", .datetime)
                table.column("pin_failures", .integer).notNull().defaults(to: 0)
                table.column("ended_at", .datetime)
                table.column("resolved", .boolean).notNull().defaults(to: false)
                table.column("wake_at", .datetime)
                table.column("created_at", .datetime).notNull()
                table.column("details", .blob).notNull()
            }
            try db.create(index: "plan_wake_at", on: "plan", columns: ["wake_at"], condition: Column("wake_at") != nil)
            try db.create(table: "photo") { table in
                table.column("plan_id", .text).primaryKey().references("plan", onDelete: .cascade)
                table.column("content", .blob).notNull()
            }
            // Alerts raised on this node. `silent` ones (duress, PIN failures) are never shown locally.
            try db.create(table: "alert") { table in
                table.column("id", .text).primaryKey()
                table.column("plan_id", .text).notNull().indexed().references("plan", onDelete: .cascade)
                table.column("reason", .text).notNull()
                    .check(sql: "reason IN ('missed', 'duress', 'panic', 'pin-failures')")
                table.column("raised_at", .datetime).notNull()
                // When the node committed it: raised_at is the instant it belongs to, so the difference is
                // the scheduler's lateness.
                table.column("recorded_at", .datetime).notNull()
                table.column("deadline_at", .datetime)
                table.column("late", .boolean).notNull()
                table.column("silent", .boolean).notNull()
                table.column("payload", .blob).notNull()
            }
            // A plan's history: times and kinds in clear, locations sealed in `detail`.
            try db.create(table: "history") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("plan_id", .text).notNull().indexed().references("plan", onDelete: .cascade)
                table.column("at", .datetime).notNull()
                table.column("kind", .text).notNull()
                table.column("detail", .blob)
            }
        }
        return migrator
    }
}
