import GRDB

extension Store {
    /// The migrations from v7 on, in order, after those of `migrator` (Store+Migrations.swift); the same rules
    /// hold: a migration that has shipped is never edited, and table names are strings.
    static func registerLaterMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v7-hook-events") { db in
            // Hooks also warn the user (a reminder before a deadline, an overdue check-in), for a plan of
            // this node rather than a received alert, and tell contacts of an alert resolved or checked in
            // after. SQLite cannot change a CHECK: the table is made again, with its rows.
            try db.create(table: "hook_job_v7") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("alert_id", .text).references("received_alert", onDelete: .cascade)
                table.column("plan_id", .text).references("plan", onDelete: .cascade)
                // The plan's deadline a warning is about: one that no longer stands is not sent.
                table.column("deadline_at", .datetime)
                table.column("hook", .text).notNull()
                table.column("event", .text).notNull()
                    .check(sql: "event IN ('alert', 'update', 'resolved', 'checked-in', 'reminder', 'overdue')")
                table.column("attempts", .integer).notNull().defaults(to: 0)
                table.column("next_attempt_at", .datetime).notNull()
                table.column("last_error", .text)
                table.check(sql: "(alert_id IS NULL) != (plan_id IS NULL)")
            }
            try db.execute(sql: """
                INSERT INTO hook_job_v7 (id, alert_id, hook, event, attempts, next_attempt_at, last_error)
                SELECT id, alert_id, hook, event, attempts, next_attempt_at, last_error FROM hook_job
                """)
            try db.drop(table: "hook_job")
            try db.rename(table: "hook_job_v7", to: "hook_job")
        }
        migrator.registerMigration("v8-owntracks-settings") { db in
            // `owntracks setup` shows the settings in force until `--rotate`: the password (its hash still
            // checks it) and the app's payload encryption key, both sealed; and when the last report came,
            // with the battery it gave, for `status`.
            try db.alter(table: "owntracks_credential") { table in
                table.add(column: "password", .blob)
                table.add(column: "encryption_key", .blob)
                table.add(column: "last_report_at", .datetime)
                table.add(column: "last_battery", .integer)
            }
        }
        migrator.registerMigration("v9-acked") { db in
            // An acknowledgement is relayed to the alert's other contacts (type 5, `acked`): the outbox takes
            // the type (SQLite cannot change a CHECK, so the table is made again with its rows and indexes),
            // and a received alert keeps who else is on it, as the user's node names them (a JSON list).
            try db.execute(sql: "ALTER TABLE outbox RENAME TO outbox_v8")
            try db.execute(sql: "DROP INDEX IF EXISTS outbox_due")
            try db.execute(sql: "DROP INDEX IF EXISTS outbox_on_contact_id")
            try db.execute(sql: "DROP INDEX IF EXISTS outbox_on_alert_id")
            try db.create(table: "outbox") { table in
                table.autoIncrementedPrimaryKey("seq")
                table.column("envelope_id", .blob).notNull().unique()
                table.column("contact_id", .integer).indexed().references("contact", onDelete: .setNull)
                table.column("contact_name", .text).notNull()
                table.column("tier", .integer).notNull()
                table.column("type", .text).notNull()
                    .check(sql: "type IN ('alert', 'ack', 'resolved', 'acked', 'replica', 'heartbeat', 'stand-down', 'relayed-alert')")
                table.column("plan_id", .text)
                table.column("alert_id", .text).indexed()
                table.column("envelope", .blob).notNull()
                table.column("card", .blob)
                table.column("created_at", .datetime).notNull()
                table.column("expires_at", .datetime).notNull()
                table.column("state", .text).notNull()
                    .check(sql: "state IN ('queued', 'delivered', 'failed', 'expired', 'cancelled')")
                table.column("next_attempt_at", .datetime)
                table.column("attempts", .integer).notNull().defaults(to: 0)
                table.column("delivered_at", .datetime)
                table.column("acked_at", .datetime)
                table.column("last_error", .text)
                table.column("revision", .integer).notNull().defaults(to: 0)
            }
            try db.execute(sql: """
                INSERT INTO outbox (seq, envelope_id, contact_id, contact_name, tier, type, plan_id, alert_id, envelope, card,
                                    created_at, expires_at, state, next_attempt_at, attempts, delivered_at, acked_at,
                                    last_error, revision)
                SELECT seq, envelope_id, contact_id, contact_name, tier, type, plan_id, alert_id, envelope, card, created_at,
                       expires_at, state, next_attempt_at, attempts, delivered_at, acked_at, last_error, revision
                FROM outbox_v8
                """)
            try db.drop(table: "outbox_v8")
            try db.create(
                index: "outbox_due", on: "outbox", columns: ["next_attempt_at"], condition: Column("state") == "queued")
            try db.alter(table: "received_alert") { table in
                table.add(column: "acks", .text).notNull().defaults(to: "[]")
            }
        }
        migrator.registerMigration("v10-outbox-queues") { db in
            // A wave of thousands of alerts: no step may read all the rows before it. On the sender, expiry finds
            // the queued rows past their time, and the ordering rule ("alerts first") the queued alerts before a
            // row to the same contact, each through its own partial index; on the receiver, an alert finds the
            // incident it belongs to (same plan, same missed deadline) without reading all its sender's alerts.
            try db.create(
                index: "outbox_expiry", on: "outbox", columns: ["expires_at"], condition: Column("state") == "queued")
            try db.execute(sql: """
                CREATE INDEX outbox_queued_alert ON outbox(contact_id, seq) WHERE state = 'queued' AND type = 'alert'
                """)
            try db.create(index: "received_alert_incident", on: "received_alert", columns: ["sender_key", "plan_id", "deadline_at"])
        }
        migrator.registerMigration("v11-cards-and-mailboxes") { db in
            // A node tells its contacts of its new endpoints (type 6, `card-update`), and a node reached through a
            // mailbox sends its receipts and liveness statements as envelopes of their own: the outbox takes the
            // types (the table made again with its rows and indexes, as SQLite cannot change a CHECK), and keeps
            // when an envelope was stored at a mailbox with the host's signed deposit receipt. The card this
            // node published last, sealed, is what it gives until its name or endpoints change.
            try db.execute(sql: "ALTER TABLE outbox RENAME TO outbox_v10")
            for index in ["outbox_due", "outbox_on_contact_id", "outbox_on_alert_id", "outbox_expiry", "outbox_queued_alert"] {
                try db.execute(sql: "DROP INDEX IF EXISTS \(index)")
            }
            try db.create(table: "outbox") { table in
                table.autoIncrementedPrimaryKey("seq")
                table.column("envelope_id", .blob).notNull().unique()
                table.column("contact_id", .integer).indexed().references("contact", onDelete: .setNull)
                table.column("contact_name", .text).notNull()
                table.column("tier", .integer).notNull()
                table.column("type", .text).notNull()
                    .check(sql: """
                        type IN ('alert', 'receipt', 'ack', 'resolved', 'acked', 'card-update', 'replica', 'heartbeat',
                                 'liveness', 'stand-down', 'relayed-alert')
                        """)
                table.column("plan_id", .text)
                table.column("alert_id", .text).indexed()
                table.column("envelope", .blob).notNull()
                table.column("card", .blob)
                table.column("created_at", .datetime).notNull()
                table.column("expires_at", .datetime).notNull()
                table.column("state", .text).notNull()
                    .check(sql: "state IN ('queued', 'delivered', 'failed', 'expired', 'cancelled')")
                table.column("next_attempt_at", .datetime)
                table.column("attempts", .integer).notNull().defaults(to: 0)
                table.column("delivered_at", .datetime)
                table.column("acked_at", .datetime)
                table.column("last_error", .text)
                table.column("revision", .integer).notNull().defaults(to: 0)
                table.column("stored_at", .datetime)
                table.column("deposit", .blob)
            }
            try db.execute(sql: """
                INSERT INTO outbox (seq, envelope_id, contact_id, contact_name, tier, type, plan_id, alert_id, envelope, card,
                                    created_at, expires_at, state, next_attempt_at, attempts, delivered_at, acked_at,
                                    last_error, revision)
                SELECT seq, envelope_id, contact_id, contact_name, tier, type, plan_id, alert_id, envelope, card, created_at,
                       expires_at, state, next_attempt_at, attempts, delivered_at, acked_at, last_error, revision
                FROM outbox_v10
                """)
            try db.drop(table: "outbox_v10")
            try db.create(
                index: "outbox_due", on: "outbox", columns: ["next_attempt_at"], condition: Column("state") == "queued")
            try db.create(
                index: "outbox_expiry", on: "outbox", columns: ["expires_at"], condition: Column("state") == "queued")
            try db.execute(sql: """
                CREATE INDEX outbox_queued_alert ON outbox(contact_id, seq) WHERE state = 'queued' AND type = 'alert'
                """)
            try db.create(table: "own_card") { table in
                table.primaryKey("id", .integer).check { $0 == 1 }
                table.column("card", .blob).notNull()
                table.column("published_at", .datetime).notNull()
            }
        }
        migrator.registerMigration("v12-mailboxes") { db in
            // As a host: the mailboxes this node keeps for its contacts, with their limits, and what waits in
            // them, sealed at rest (the envelope is already sealed to the owner); a row whose envelope was fetched
            // stays, without its bytes, until it expires, so that a sender's retry is not stored twice. As an
            // owner: the mailbox this node's card lists, at one of its contacts.
            try db.create(table: "mailbox") { table in
                table.primaryKey("contact_id", .integer).references("contact", onDelete: .cascade)
                table.column("box", .blob).notNull().unique()
                table.column("granted_at", .datetime).notNull()
                table.column("message_limit", .integer).notNull()
                table.column("byte_limit", .integer).notNull()
                table.column("ttl_seconds", .integer).notNull()
                table.column("last_fetch_at", .datetime)
            }
            try db.create(table: "mailbox_message") { table in
                table.primaryKey("id", .blob)
                table.column("contact_id", .integer).notNull().references("mailbox", column: "contact_id", onDelete: .cascade)
                table.column("digest", .blob).notNull()
                table.column("envelope", .blob)
                table.column("size", .integer).notNull()
                table.column("deposited_at", .datetime).notNull()
                table.column("expires_at", .datetime).notNull().indexed()
                table.uniqueKey(["contact_id", "digest"])
            }
            try db.execute(sql: """
                CREATE INDEX mailbox_message_waiting ON mailbox_message(contact_id, deposited_at) WHERE envelope IS NOT NULL
                """)
            try db.create(table: "mailbox_use") { table in
                table.primaryKey("id", .integer).check { $0 == 1 }
                table.column("host_contact_id", .integer).notNull().references("contact", onDelete: .cascade)
                table.column("only", .boolean).notNull()
                table.column("since", .datetime).notNull()
                table.column("last_fetch_at", .datetime)
                table.column("last_error", .text)
                table.column("waiting", .integer)
            }
        }
    }
}
