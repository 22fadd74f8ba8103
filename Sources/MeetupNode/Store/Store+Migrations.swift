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
        migrator.registerMigration("v3-peers") { db in
            // People this node alerts and hears from. Keys and names in clear (every envelope is looked up
            // by its sender's key); the card, with its endpoints, sealed.
            try db.create(table: "contact") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("name", .text).notNull().unique().collate(.nocase)
                table.column("signing_key", .blob).notNull().unique()
                table.column("sealing_key", .blob).notNull()
                table.column("tier", .integer).notNull().check(sql: "tier IN (1, 2)")
                table.column("guardian", .boolean).notNull()
                table.column("verified_at", .datetime)
                table.column("added_at", .datetime).notNull()
                table.column("card", .blob).notNull()
            }
            // What the engine decided to tell contacts, committed with the transition that decided it; the
            // courier turns each into sealed envelopes in the outbox, then deletes it.
            try db.create(table: "notice") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("plan_id", .text).notNull().references("plan", onDelete: .cascade)
                table.column("kind", .text).notNull()
                    .check(sql: "kind IN ('alert', 'done', 'checked-in', 'replica', 'heartbeat', 'stand-down-done', 'stand-down-alerted')")
                table.column("alert_id", .text).references("alert", onDelete: .cascade)
                table.column("at", .datetime).notNull()
                // Under duress: the visible bookkeeping happens, but no "resolved" is sent.
                table.column("quiet", .boolean).notNull().defaults(to: false)
                // A notice that could not be turned into envelopes (a damaged row), kept aside and counted.
                table.column("failed_at", .datetime)
            }
            // Every envelope this node sends, sealed to its recipient, until a receipt or its expiry. Rows of
            // type `alert` are also the alert's deliveries, with the contact's name as it was then.
            try db.create(table: "outbox") { table in
                table.autoIncrementedPrimaryKey("seq")
                table.column("envelope_id", .blob).notNull().unique()
                table.column("contact_id", .integer).indexed().references("contact", onDelete: .setNull)
                table.column("contact_name", .text).notNull()
                table.column("tier", .integer).notNull()
                table.column("type", .text).notNull()
                    .check(sql: "type IN ('alert', 'ack', 'resolved', 'replica', 'heartbeat', 'stand-down', 'relayed-alert')")
                table.column("plan_id", .text)
                table.column("alert_id", .text).indexed()
                table.column("envelope", .blob).notNull()
                // For a recipient who is not a contact (a guardian relaying to the user's contacts): its card,
                // sealed.
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
            }
            try db.create(
                index: "outbox_due", on: "outbox", columns: ["next_attempt_at"], condition: Column("state") == "queued")
            // Envelope ids accepted, kept until they expire: a repeated id is never stored or shown twice.
            try db.create(table: "seen_envelope") { table in
                table.column("id", .blob).primaryKey()
                table.column("expires_at", .datetime).notNull().indexed()
            }
            // Alerts received from contacts. Ids, reasons and times in clear; who, where and the rest sealed.
            // `id` is this node's; `alert_id` is the sender's, unique only with the sender's key.
            try db.create(table: "received_alert") { table in
                table.column("id", .text).primaryKey()
                table.column("alert_id", .text).notNull()
                table.column("sender_key", .blob).notNull()
                table.column("contact_id", .integer).indexed().references("contact", onDelete: .setNull)
                table.column("plan_id", .text).notNull()
                table.column("reason", .text).notNull()
                table.column("raised_at", .datetime).notNull()
                table.column("received_at", .datetime).notNull()
                table.column("acked_at", .datetime)
                table.column("resolved_at", .datetime)
                table.column("checked_in_at", .datetime)
                // The missed deadline, which with the sender's key, the plan and the reason names the incident.
                table.column("deadline_at", .datetime)
                // The routes the incident came through: the user's node and guardians, by name (JSON list).
                table.column("via", .text).notNull().defaults(to: "[]")
                // The cards of the guardians it came through, sealed: acks go to them too.
                table.column("guardian_cards", .blob)
                table.column("content", .blob).notNull()
                table.uniqueKey(["sender_key", "alert_id", "deadline_at"])
            }
            // On a guardian: the plans it watches for its contacts, the latest replica of each sealed whole
            // (it holds the contacts' cards and the escrow sealed to them).
            try db.create(table: "watch") { table in
                table.column("user_key", .blob).notNull()
                table.column("plan_id", .text).notNull()
                table.column("contact_id", .integer).indexed().references("contact", onDelete: .cascade)
                table.column("version", .integer).notNull()
                // The latest heartbeat sequence number: a heartbeat not above it is refused.
                table.column("heartbeat_seq", .integer).notNull()
                table.column("phase", .text).notNull()
                table.column("grace_seconds", .integer).notNull()
                table.column("deadline_at", .datetime)
                // deadline + grace + slack: the watchdog's queue.
                table.column("wake_at", .datetime)
                table.column("received_at", .datetime).notNull()
                // The deadline for which the user's node raised the alert itself.
                table.column("alerted_deadline_at", .datetime)
                // The deadline for which this guardian raised the alarm.
                table.column("alarmed_deadline_at", .datetime)
                table.column("content", .blob).notNull()
                table.primaryKey(["user_key", "plan_id"])
            }
            try db.create(index: "watch_wake_at", on: "watch", columns: ["wake_at"], condition: Column("wake_at") != nil)
            // Notification hooks still to run for a received alert.
            try db.create(table: "hook_job") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("alert_id", .text).notNull().references("received_alert", onDelete: .cascade)
                table.column("hook", .text).notNull()
                table.column("attempts", .integer).notNull().defaults(to: 0)
                table.column("next_attempt_at", .datetime).notNull()
                table.column("last_error", .text)
            }
        }
        migrator.registerMigration("v4-phone") { db in
            // The OwnTracks app's HTTP Basic credentials: a generated password, kept as its BLAKE2b hash.
            try db.create(table: "owntracks_credential") { table in
                table.column("id", .integer).primaryKey().check { $0 == 1 }
                table.column("username", .text).notNull()
                table.column("password_hash", .blob).notNull()
                table.column("created_at", .datetime).notNull()
            }
            // A plan's check-in page link: looked up by the token's BLAKE2b hash; the token itself sealed,
            // so that `meetupctl link` can print it again.
            try db.create(table: "checkin_link") { table in
                table.column("plan_id", .text).primaryKey().references("plan", onDelete: .cascade)
                table.column("token_hash", .blob).notNull().unique()
                table.column("token", .blob).notNull()
                table.column("created_at", .datetime).notNull()
            }
            // Lines reported by the phone are ordered by the phone's own time, which may arrive late.
            try db.create(index: "history_plan_at", on: "history", columns: ["plan_id", "at"])
        }
        migrator.registerMigration("v5-page-nonce") { db in
            // The check-in page's nonces that have acted, by BLAKE2b hash: each acts once. Kept as long as
            // the plan, since Help takes its link's nonce at any age.
            try db.create(table: "page_nonce") { table in
                table.column("nonce_hash", .blob).primaryKey()
                table.column("plan_id", .text).notNull().indexed().references("plan", onDelete: .cascade)
                table.column("used_at", .datetime).notNull()
            }
        }
        migrator.registerMigration("v6-incidents") { db in
            // One incident, many updates (CheckInCore/Incidents.swift): which of a plan's incidents are
            // open, and how often an alert was updated since it was raised.
            try db.alter(table: "plan") { table in
                table.add(column: "visible_incident_open", .boolean).notNull().defaults(to: false)
                table.add(column: "silent_incident_open", .boolean).notNull().defaults(to: false)
            }
            // Running plans with no timer are counted by /healthz and status: an index of the few rows
            // without one, not a scan of every plan.
            try db.execute(sql: "CREATE INDEX plan_without_wake ON plan(phase) WHERE wake_at IS NULL")
            try db.alter(table: "alert") { table in
                table.add(column: "revision", .integer).notNull().defaults(to: 0)
                table.add(column: "updated_at", .datetime)
            }
            // Which revision of its alert an outbox copy carries: an ack delivers the first copy, never an
            // update still waiting to go.
            try db.alter(table: "outbox") { table in
                table.add(column: "revision", .integer).notNull().defaults(to: 0)
            }
            try db.alter(table: "received_alert") { table in
                table.add(column: "revision", .integer).notNull().defaults(to: 0)
                table.add(column: "updated_at", .datetime)
            }
            // What a hook tells: a new alert, or an update of one already told.
            try db.alter(table: "hook_job") { table in
                table.add(column: "event", .text).notNull().defaults(to: "alert").check(sql: "event IN ('alert', 'update')")
            }
        }
        registerLaterMigrations(in: &migrator)
        return migrator
    }
}
