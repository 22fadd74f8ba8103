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
        let current = try WatchRecord.fetchOne(db, key: WatchRecord.key(userKey: key, planID: replica.plan))
        if let current, current.phase == .ended || current.version >= replica.version { return }
        let deadline = replica.deadline
            ?? min(replica.start.addingTimeInterval(TimeInterval(replica.everySeconds)), replica.until)
        let wake = Self.watchWake(deadline: deadline, grace: replica.graceSeconds, slack: slack)
        let content = try cipher.seal(replica, for: Self.watchColumn(userKey: key, planID: replica.plan))
        guard var watch = current else {
            try WatchRecord(
                userKey: key, planID: replica.plan, contactID: contact.id, version: replica.version,
                heartbeatSeq: replica.heartbeatSeq, phase: .watching, graceSeconds: replica.graceSeconds, deadline: deadline,
                wakeAt: wake, receivedAt: now, content: content
            ).insert(db)
            return
        }
        // A replica older than the latest heartbeat keeps the heartbeat's deadline.
        if replica.heartbeatSeq >= watch.heartbeatSeq {
            watch.deadline = deadline
            watch.wakeAt = wake
        }
        watch.version = replica.version
        watch.heartbeatSeq = max(watch.heartbeatSeq, replica.heartbeatSeq)
        watch.graceSeconds = replica.graceSeconds
        watch.receivedAt = now
        watch.content = content
        try watch.update(db)
    }

    /// A heartbeat moves the watched deadline; one not newer than the last is refused. The hottest write of
    /// a guardian: it reads three columns and updates three, by statements prepared once per connection,
    /// instead of reading the whole row with its sealed replica and writing it all back.
    func applyHeartbeat(_ db: Database, _ heartbeat: HeartbeatMessage, from contact: ContactRecord, slack: TimeInterval) throws {
        let key: StatementArguments = [contact.signingKey.bytes, heartbeat.plan]
        let watch = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT phase, heartbeat_seq, grace_seconds FROM watch WHERE user_key = ? AND plan_id = ?"),
            arguments: key)
        guard let watch, watch["phase"] as WatchRecord.Phase? == .watching else { return }
        guard heartbeat.seq > watch["heartbeat_seq"] as Int else { throw EnvelopeError.staleHeartbeat }
        // A check-in after an alert puts the plan back to active: watched again. One that leaves it alerted
        // (past until + grace) leaves nothing to watch: the user's node has alerted.
        let watching = switch heartbeat.phase {
        case .active, .grace: true
        case .scheduled, .alerted, .done, .expired: false
        }
        let grace: Int = watch["grace_seconds"]
        let wake = watching ? heartbeat.deadline.map { Self.watchWake(deadline: $0, grace: grace, slack: slack) } : nil
        try db.cachedStatement(sql: "UPDATE watch SET heartbeat_seq = ?, deadline_at = ?, wake_at = ? WHERE user_key = ? AND plan_id = ?")
            .execute(arguments: [heartbeat.seq, heartbeat.deadline, wake] + key)
    }

    static func watchWake(deadline: Date, grace: Int, slack: TimeInterval) -> Date {
        deadline.addingTimeInterval(TimeInterval(grace) + slack)
    }

    /// `done` deletes the replica and its escrow; `alerted` records that the user's node raised it itself.
    func applyStandDown(
        _ db: Database, _ message: StandDownMessage, from contact: ContactRecord, at now: Date, recheckAfter: TimeInterval
    ) throws {
        let key = WatchRecord.key(userKey: contact.signingKey.bytes, planID: message.plan)
        switch message.reason {
        case .done:
            // The replica and its escrow go; a tombstone stays so that a late replica cannot revive the plan.
            var watch = try WatchRecord.fetchOne(db, key: key) ?? WatchRecord(
                userKey: contact.signingKey.bytes, planID: message.plan, contactID: contact.id, version: 0, heartbeatSeq: 0,
                phase: .ended, graceSeconds: 0, receivedAt: now, content: Data())
            watch.end(at: now)
            try watch.save(db)
        case .alerted:
            // The user's node raised it and delivers it: no alarm of this guardian for that deadline. It asks
            // again later whether the plan is back on watch: a check-in after the alert under the duress PIN
            // sends no heartbeat, and the guardian must not stop watching for it.
            guard var watch = try WatchRecord.fetchOne(db, key: key) else { return }
            watch.alertedDeadline = message.deadline
            watch.wakeAt = now.addingTimeInterval(recheckAfter)
            try watch.update(db)
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
            let due = try WatchRecord.all().due(by: now).limit(limit).fetchAll(db)
            for var watch in due {
                watch.wakeAt = now.addingTimeInterval(lease)
                try watch.update(db)
            }
            return due.compactMap { watch in
                watch.contactID.map { contactID in
                    DueWatch(
                        userKey: watch.userKey, planID: watch.planID, contactID: contactID, deadline: watch.deadline,
                        graceSeconds: watch.graceSeconds, seq: watch.heartbeatSeq)
                }
            }
        }
    }

    /// When the next watch falls due: the watchdog reads it after every commit to `watch`, so by a statement
    /// prepared once, on the `watch_wake_at` index.
    func earliestWatchWake() throws -> Date? {
        try readOne { db in
            try Date.fetchOne(db.cachedStatement(sql: "SELECT MIN(wake_at) FROM watch WHERE wake_at IS NOT NULL"))
        }
    }

    /// The watch as picked, unless a newer heartbeat moved it since.
    private func unchanged(_ watch: DueWatch) -> QueryInterfaceRequest<WatchRecord> {
        WatchRecord.filter(key: WatchRecord.key(userKey: watch.userKey, planID: watch.planID))
            .filter(WatchRecord.Columns.heartbeatSeq == watch.seq)
    }

    /// The user's node proved the plan alive: watch its new deadline.
    func moveWatch(_ watch: DueWatch, to deadline: Date?, slack: TimeInterval) throws {
        let wake = deadline.map { Self.watchWake(deadline: $0, grace: watch.graceSeconds, slack: slack) }
        _ = try writer.write { db in
            try unchanged(watch).updateAll(db, WatchRecord.Columns.deadline.set(to: deadline), WatchRecord.Columns.wakeAt.set(to: wake))
        }
    }

    /// The user's node has alerted: ask again at `next` whether the plan is back on watch.
    func recheckWatch(_ watch: DueWatch, at next: Date) throws {
        _ = try writer.write { db in try unchanged(watch).updateAll(db, WatchRecord.Columns.wakeAt.set(to: next)) }
    }

    func dropWatch(_ watch: DueWatch) throws {
        try writer.write { db in
            guard var record = try WatchRecord.fetchOne(db, key: WatchRecord.key(userKey: watch.userKey, planID: watch.planID))
            else { return }
            let receivedAt = record.receivedAt
            record.end(at: receivedAt)
            try record.update(db)
        }
    }

    func replica(_ watch: DueWatch) throws -> ReplicaMessage {
        let record = try writer.read { db in
            try WatchRecord.fetchOne(db, key: WatchRecord.key(userKey: watch.userKey, planID: watch.planID))
        }
        guard let record else { throw StoreError.damagedRow(table: "watch", id: watch.planID) }
        return try cipher.open(
            ReplicaMessage.self, from: record.content, for: Self.watchColumn(userKey: watch.userKey, planID: watch.planID))
    }

    /// The alarm for the watched deadline, once: the relayed alerts in the outbox and this node's own copy
    /// among its received alerts, in one transaction.
    func commitAlarm(
        _ watch: DueWatch, relays: [CardEnvelope], own: AlertMessage?, user: ContactRecord, at now: Date, hooks: [HookKind],
        newID: String
    ) throws {
        try writer.write { db in
            guard var record = try WatchRecord.fetchOne(db, key: WatchRecord.key(userKey: watch.userKey, planID: watch.planID))
            else { return }
            // A heartbeat arrived during the check: it set the next watch; nothing to alarm for.
            guard record.heartbeatSeq == watch.seq else { return }
            record.wakeAt = nil
            if let deadline = watch.deadline, record.alarmedDeadline == deadline || record.alertedDeadline == deadline {
                try record.update(db)
                return
            }
            record.alarmedDeadline = watch.deadline
            try record.update(db)
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
            try WatchRecord.filter(key: WatchRecord.key(userKey: userKey, planID: ack.plan))
                .select(WatchRecord.Columns.content, as: Data.self).fetchOne(db)
        }
        guard let sealed else { return nil }
        let replica = try cipher.open(ReplicaMessage.self, from: sealed, for: Self.watchColumn(userKey: userKey, planID: ack.plan))
        for contact in replica.contacts {
            if let card = try? ContactCard(parsing: contact.card), card.signingKey == acker { return (card, contact.tier) }
        }
        return nil
    }

    /// The replica of the plan an ack names, when this guardian raised the alarm for it: whom to tell that the
    /// acker is on it.
    func alarmedReplica(_ ack: AckMessage) throws -> ReplicaMessage? {
        guard let userHex = ack.user, let userKey = Data(hexString: userHex) else { return nil }
        let record = try writer.read { db in try WatchRecord.fetchOne(db, key: WatchRecord.key(userKey: userKey, planID: ack.plan)) }
        guard let record, record.alarmedDeadline != nil, record.phase == .watching else { return nil }
        return try cipher.open(ReplicaMessage.self, from: record.content, for: Self.watchColumn(userKey: userKey, planID: ack.plan))
    }

    /// A tier-1 contact acknowledged: the tier-2 relayed copies not yet sent stay unsent.
    func holdBackTierTwo(_ db: Database, planID: String) throws {
        try OutboxRecord.all().ofPlan(planID).ofType(.relayedAlert).tierTwoNotAttempted().cancel(db)
    }
}
