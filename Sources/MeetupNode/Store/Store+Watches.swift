import CheckInCore
import Foundation
import GRDB
import MeetupControl
import MeetupCrypto
import MeetupProtocol

/// The guardian's side (docs/PROTOCOL.md, "Guardians"): the latest replica of each plan it watches, the
/// watched deadline that heartbeats move, and the alarm, once, when it passes.
extension Store {
    static func watchColumn(userKey: Data, planID: String) -> SealedColumn {
        SealedColumn(table: "watch", column: "content", rowKey: userKey.hexString + "/" + planID)
    }

    /// Keeps the newest replica of a plan from `contact`; an older or repeated version changes nothing, and
    /// neither does any replica of a plan that was stood down (`ended`: a late replica must not revive it).
    /// The watched deadline is the replica's, or the first one for a plan not started; a replica older than
    /// the latest heartbeat does not move it back.
    func storeReplica(_ db: Database, _ replica: ReplicaMessage, from contact: ContactRecord, at now: Date, slack: TimeInterval) throws {
        let key = contact.signingKey.bytes
        if let current = try Row.fetchOne(
            db, sql: "SELECT version, phase FROM watch WHERE user_key = ? AND plan_id = ?", arguments: [key, replica.plan])
        {
            if current["phase"] as String == "ended" || current["version"] as Int >= replica.version { return }
        }
        let deadline = replica.deadline
            ?? min(replica.start.addingTimeInterval(TimeInterval(replica.everySeconds)), replica.until)
        let content = try cipher.seal(replica, for: Self.watchColumn(userKey: key, planID: replica.plan))
        try db.execute(
            sql: """
                INSERT INTO watch (user_key, plan_id, contact_id, version, heartbeat_seq, phase, grace_seconds, deadline_at,
                                   wake_at, received_at, content)
                VALUES (?, ?, ?, ?, ?, 'watching', ?, ?, ?, ?, ?)
                ON CONFLICT (user_key, plan_id) DO UPDATE SET version = excluded.version,
                  deadline_at = CASE WHEN excluded.heartbeat_seq >= heartbeat_seq THEN excluded.deadline_at ELSE deadline_at END,
                  wake_at = CASE WHEN excluded.heartbeat_seq >= heartbeat_seq THEN excluded.wake_at ELSE wake_at END,
                  heartbeat_seq = MAX(heartbeat_seq, excluded.heartbeat_seq), grace_seconds = excluded.grace_seconds,
                  received_at = excluded.received_at, content = excluded.content
                """,
            arguments: [
                key, replica.plan, contact.id, replica.version, replica.heartbeatSeq, replica.graceSeconds, deadline,
                Self.watchWake(deadline: deadline, grace: replica.graceSeconds, slack: slack), now, content,
            ])
    }

    /// A heartbeat moves the watched deadline; one not newer than the last is refused.
    func applyHeartbeat(_ db: Database, _ heartbeat: HeartbeatMessage, from contact: ContactRecord, slack: TimeInterval) throws {
        let key = contact.signingKey.bytes
        guard let row = try Row.fetchOne(
            db, sql: "SELECT heartbeat_seq, grace_seconds FROM watch WHERE user_key = ? AND plan_id = ? AND phase = 'watching'",
            arguments: [key, heartbeat.plan])
        else { return }
        guard heartbeat.seq > row["heartbeat_seq"] as Int else { throw EnvelopeError.staleHeartbeat }
        // A check-in after an alert: the user's node has alerted; nothing to watch until it is resolved.
        let watching = switch heartbeat.phase {
        case .active, .grace: true
        case .scheduled, .alerted, .done, .expired: false
        }
        let wake = watching ? heartbeat.deadline.map { Self.watchWake(deadline: $0, grace: row["grace_seconds"], slack: slack) } : nil
        try db.execute(
            sql: "UPDATE watch SET heartbeat_seq = ?, deadline_at = ?, wake_at = ? WHERE user_key = ? AND plan_id = ?",
            arguments: [heartbeat.seq, heartbeat.deadline, wake, key, heartbeat.plan])
    }

    static func watchWake(deadline: Date, grace: Int, slack: TimeInterval) -> Date {
        deadline.addingTimeInterval(TimeInterval(grace) + slack)
    }

    /// `done` deletes the replica and its escrow; `alerted` records that the user's node raised it itself.
    func applyStandDown(_ db: Database, _ message: StandDownMessage, from contact: ContactRecord, at now: Date) throws {
        switch message.reason {
        case .done:
            // The replica and its escrow go; a tombstone stays so that a late replica cannot revive the plan.
            try db.execute(
                sql: """
                    INSERT INTO watch (user_key, plan_id, contact_id, version, heartbeat_seq, phase, grace_seconds, received_at, content)
                    VALUES (?, ?, ?, 0, 0, 'ended', 0, ?, x'')
                    ON CONFLICT (user_key, plan_id) DO UPDATE SET phase = 'ended', wake_at = NULL, deadline_at = NULL, content = x'',
                      received_at = excluded.received_at
                    """,
                arguments: [contact.signingKey.bytes, message.plan, contact.id, now])
        case .alerted:
            // The user's node raised it and delivers it: nothing to watch until it checks in again.
            try db.execute(
                sql: "UPDATE watch SET alerted_deadline_at = ?, wake_at = NULL WHERE user_key = ? AND plan_id = ?",
                arguments: [message.deadline, contact.signingKey.bytes, message.plan])
        }
    }
}

/// A watched plan whose `deadline + grace + slack` has passed.
struct DueWatch: Sendable {
    var userKey: Data
    var planID: String
    var contactID: Int64
    var deadline: Date?
    var graceSeconds: Int
    /// The heartbeat sequence when picked: an update made after a newer heartbeat arrived changes nothing.
    var seq: Int
}

extension Store {
    /// Watches due by `now`, each leased for `lease` seconds while its check runs.
    func dueWatches(now: Date, limit: Int, lease: TimeInterval) throws -> [DueWatch] {
        try writer.write { db in
            let due = try Row.fetchAll(
                db,
                sql: """
                    SELECT user_key, plan_id, contact_id, deadline_at, grace_seconds, heartbeat_seq FROM watch
                    WHERE wake_at IS NOT NULL AND wake_at <= ? AND contact_id IS NOT NULL AND phase = 'watching'
                    ORDER BY wake_at LIMIT ?
                    """,
                arguments: [now, limit]
            ).map {
                DueWatch(
                    userKey: $0["user_key"], planID: $0["plan_id"], contactID: $0["contact_id"], deadline: $0["deadline_at"],
                    graceSeconds: $0["grace_seconds"], seq: $0["heartbeat_seq"])
            }
            for watch in due {
                try db.execute(
                    sql: "UPDATE watch SET wake_at = ? WHERE user_key = ? AND plan_id = ?",
                    arguments: [now.addingTimeInterval(lease), watch.userKey, watch.planID])
            }
            return due
        }
    }

    func earliestWatchWake() throws -> Date? {
        try writer.read { db in try Date.fetchOne(db, sql: "SELECT MIN(wake_at) FROM watch WHERE wake_at IS NOT NULL") }
    }

    /// The user's node proved the plan alive: watch its new deadline.
    func moveWatch(_ watch: DueWatch, to deadline: Date?, slack: TimeInterval) throws {
        try writer.write { db in
            try db.execute(
                sql: "UPDATE watch SET deadline_at = ?, wake_at = ? WHERE user_key = ? AND plan_id = ? AND heartbeat_seq = ?",
                arguments: [
                    deadline, deadline.map { Self.watchWake(deadline: $0, grace: watch.graceSeconds, slack: slack) },
                    watch.userKey, watch.planID, watch.seq,
                ])
        }
    }

    /// Nothing to watch until the next heartbeat or replica.
    func pauseWatch(_ watch: DueWatch) throws {
        try writer.write { db in
            try db.execute(
                sql: "UPDATE watch SET wake_at = NULL WHERE user_key = ? AND plan_id = ? AND heartbeat_seq = ?",
                arguments: [watch.userKey, watch.planID, watch.seq])
        }
    }

    func dropWatch(_ watch: DueWatch) throws {
        try writer.write { db in
            try db.execute(
                sql: "UPDATE watch SET phase = 'ended', wake_at = NULL, deadline_at = NULL, content = x'' WHERE user_key = ? AND plan_id = ?",
                arguments: [watch.userKey, watch.planID])
        }
    }

    func replica(_ watch: DueWatch) throws -> ReplicaMessage {
        let sealed = try writer.read { db in
            try Data.fetchOne(
                db, sql: "SELECT content FROM watch WHERE user_key = ? AND plan_id = ?", arguments: [watch.userKey, watch.planID])
        }
        guard let sealed else { throw StoreError.damagedRow(table: "watch", id: watch.planID) }
        return try cipher.open(ReplicaMessage.self, from: sealed, for: Self.watchColumn(userKey: watch.userKey, planID: watch.planID))
    }

    /// The alarm for the watched deadline, once: the relayed alerts in the outbox and this node's own copy
    /// among its received alerts, in one transaction.
    func commitAlarm(
        _ watch: DueWatch, relays: [CardEnvelope], own: AlertMessage?, user: ContactRecord, at now: Date, hooks: [HookKind],
        newID: String
    ) throws {
        try writer.write { db in
            let already = try Row.fetchOne(
                db,
                sql: "SELECT alarmed_deadline_at, alerted_deadline_at, heartbeat_seq FROM watch WHERE user_key = ? AND plan_id = ?",
                arguments: [watch.userKey, watch.planID])
            guard let already else { return }
            // A heartbeat arrived during the check: it set the next watch; nothing to alarm for.
            guard already["heartbeat_seq"] as Int == watch.seq else { return }
            let alarmed: Date? = already["alarmed_deadline_at"]
            let alerted: Date? = already["alerted_deadline_at"]
            if let deadline = watch.deadline, alarmed == deadline || alerted == deadline {
                try db.execute(
                    sql: "UPDATE watch SET wake_at = NULL WHERE user_key = ? AND plan_id = ?", arguments: [watch.userKey, watch.planID])
                return
            }
            try db.execute(
                sql: "UPDATE watch SET alarmed_deadline_at = ?, wake_at = NULL WHERE user_key = ? AND plan_id = ?",
                arguments: [watch.deadline, watch.userKey, watch.planID])
            for relay in relays {
                try insertOutbox(db, card: relay, planID: watch.planID, now: now)
            }
            if let own {
                try insertReceivedAlert(db, own, from: user, at: now, hooks: hooks, via: Self.guardianRoute, guardianCard: nil, newID: newID)
            }
        }
    }

    /// The route name of an alarm this node raised as a guardian, in its own list of received alerts.
    static let guardianRoute = "this node, as guardian"
}

extension Store {
    /// The contact of a watched plan that `acker` is, by the replica: its card (for the receipt) and tier.
    /// Nil when this node watches no such plan or the replica does not name that key.
    func watchedPlanContact(_ ack: AckMessage, acker: SigningPublicKey) throws -> (card: ContactCard, tier: Int)? {
        guard let userHex = ack.user, let userKey = Data(hexString: userHex) else { return nil }
        let sealed = try writer.read { db in
            try Data.fetchOne(db, sql: "SELECT content FROM watch WHERE user_key = ? AND plan_id = ?", arguments: [userKey, ack.plan])
        }
        guard let sealed else { return nil }
        let replica = try cipher.open(ReplicaMessage.self, from: sealed, for: Self.watchColumn(userKey: userKey, planID: ack.plan))
        for contact in replica.contacts {
            if let card = try? ContactCard(parsing: contact.card), card.signingKey == acker { return (card, contact.tier) }
        }
        return nil
    }

    /// A tier-1 contact acknowledged: the tier-2 relayed copies not yet sent stay unsent.
    func holdBackTierTwo(_ db: Database, planID: String) throws {
        try db.execute(
            sql: """
                UPDATE outbox SET state = 'cancelled', next_attempt_at = NULL
                WHERE plan_id = ? AND type = 'relayed-alert' AND tier = 2 AND state = 'queued' AND attempts = 0
                """,
            arguments: [planID])
    }
}
