import CheckInCore
import Foundation
import GRDB
import MeetupCrypto
import MeetupProtocol

/// An alert just committed, for the caller to log (ids and reasons only) and, later, to deliver.
package struct RaisedAlert: Equatable {
    var id: String
    var planID: String
    var reason: AlertReason
    var silent: Bool
    var late: Bool
    /// An open incident's alert, updated and sent again, not a new one.
    var updated: Bool = false
}

/// What one transaction on a plan did.
package struct PlanOutcome {
    var state: CheckInState
    /// The user event's transition, when there was one.
    var transition: Transition?
    var raised: [RaisedAlert]
    /// How long after its instant the timer that fell due ran, when one did.
    var lateness: TimeInterval?
}

extension Store {
    /// Stores a newly armed plan, its photo and its first history line, in one transaction.
    func insertPlan(_ plan: Plan, recipients: [Int64], photo: Data?, machine: CheckInMachine) throws {
        let state = CheckInState(schedule: plan.schedule)
        let details = try cipher.seal(
            PlanDetails(
                match: plan.match, place: plan.place, contacts: plan.contacts, recipients: recipients,
                escalateAfter: plan.escalateAfter),
            for: PlanRecord.detailsColumn(plan.id))
        let record = PlanRecord(
            id: plan.id, state: state, wakeAt: machine.nextTimer(of: state)?.instant, createdAt: plan.createdAt,
            details: details)
        let sealedPhoto = photo.map { cipher.seal($0, for: SealedColumn(table: "photo", column: "content", rowKey: plan.id)) }
        try writer.write { db in
            try record.insert(db)
            if let sealedPhoto {
                try db.execute(sql: "INSERT INTO photo (plan_id, content) VALUES (?, ?)", arguments: [plan.id, sealedPhoto])
            }
            try insertHistory(db, planID: plan.id, at: plan.createdAt, kind: "armed", detail: nil)
            try insertNotice(db, planID: plan.id, kind: "replica", alertID: nil, at: plan.createdAt, quiet: false)
        }
    }

    /// In one write transaction: runs the plan's timers due by `now`, each at its own instant, then
    /// `event` at `now`, and commits the new state with every effect. Nothing acts on a transition before
    /// this returns. Returns nil when there is no such plan.
    func advance(
        planID: String, to now: Date, applying event: CheckInEvent?, machine: CheckInMachine,
        lateTolerance: TimeInterval
    ) throws -> PlanOutcome? {
        try writer.write { db in
            try advance(db, planID: planID, to: now, applying: event, machine: machine, lateTolerance: lateTolerance)
        }
    }

    /// Runs the timers of up to `limit` plans that are due by `now`, in one transaction, each plan in a
    /// savepoint of its own. A plan whose row is damaged (it cannot be opened or parsed) is rolled back and
    /// taken off the queue, so that one bad row cannot stop every other plan's alerts; its id is returned
    /// in `failed` for the log, and `/healthz` counts it. An error of the moment (disk full, I/O) throws and
    /// commits nothing: every plan keeps its timer for the next try.
    package func advanceDue(
        to now: Date, limit: Int, machine: CheckInMachine, lateTolerance: TimeInterval
    ) throws -> (outcomes: [PlanOutcome], failed: [String]) {
        try writer.write { db in
            let ids = try String.fetchAll(
                db, sql: "SELECT id FROM plan WHERE wake_at IS NOT NULL AND wake_at <= ? ORDER BY wake_at LIMIT ?",
                arguments: [now, limit])
            var outcomes: [PlanOutcome] = []
            var failed: [String] = []
            for id in ids {
                do {
                    try db.inSavepoint {
                        if let outcome = try advance(
                            db, planID: id, to: now, applying: nil, machine: machine, lateTolerance: lateTolerance)
                        {
                            outcomes.append(outcome)
                        }
                        return .commit
                    }
                } catch where Store.isDamage(error) {
                    try db.execute(sql: "UPDATE plan SET wake_at = NULL WHERE id = ?", arguments: [id])
                    failed.append(id)
                }
            }
            return (outcomes, failed)
        }
    }

    /// The earliest instant any plan waits for: an index lookup, not a scan.
    package func earliestWake() throws -> Date? {
        try writer.read { db in try Date.fetchOne(db, sql: "SELECT MIN(wake_at) FROM plan WHERE wake_at IS NOT NULL") }
    }

    private func advance(
        _ db: Database, planID: String, to now: Date, applying event: CheckInEvent?, machine: CheckInMachine,
        lateTolerance: TimeInterval
    ) throws -> PlanOutcome? {
        guard var record = try PlanRecord.fetchOne(db, key: planID) else { return nil }
        let lateness = record.wakeAt.flatMap { $0 <= now ? now.timeIntervalSince($0) : nil }
        var state = try record.state()
        var raised: [RaisedAlert] = []
        var effects = EffectRecorder(store: self, record: record, lateTolerance: lateTolerance, now: now)
        for step in machine.catchUp(state, to: now).steps {
            raised += try effects.record(step.effects, at: step.instant, in: db)
            state = step.state
        }
        var transition: Transition?
        if let event {
            let applied = machine.apply(event, to: state, at: now)
            raised += try effects.record(applied.effects, at: now, in: db)
            state = applied.state
            transition = applied
        }
        let wake = machine.nextTimer(of: state)?.instant
        // After catching up, the next timer lies in the future. One that does not would be picked again at
        // once, forever: refuse the row (the scheduler then takes it off the queue) rather than spin.
        if let wake, wake <= now { throw StoreError.damagedRow(table: "plan", id: planID) }
        record.update(to: state, wakeAt: wake, incidents: effects.incidents)
        try record.update(db)
        return PlanOutcome(state: state, transition: transition, raised: raised, lateness: lateness)
    }

    /// The plan's photo, opened, when it has one.
    func photo(_ db: Database, planID: String) throws -> Data? {
        try Data.fetchOne(db, sql: "SELECT content FROM photo WHERE plan_id = ?", arguments: [planID])
            .map { try cipher.open($0, for: SealedColumn(table: "photo", column: "content", rowKey: planID)) }
    }

    /// Something to tell the plan's contacts, committed with the transition that decided it.
    func insertNotice(_ db: Database, planID: String, kind: String, alertID: String?, at: Date, quiet: Bool) throws {
        try db.execute(
            sql: "INSERT INTO notice (plan_id, kind, alert_id, at, quiet) VALUES (?, ?, ?, ?, ?)",
            arguments: [planID, kind, alertID, at, quiet])
    }

    func insertHistory(_ db: Database, planID: String, at: Date, kind: String, detail: Data?) throws {
        try db.execute(
            sql: "INSERT INTO history (plan_id, at, kind, detail) VALUES (?, ?, ?, ?)",
            arguments: [planID, at, kind, detail])
    }

    static func historyColumn(_ planID: String) -> SealedColumn {
        SealedColumn(table: "history", column: "detail", rowKey: planID)
    }
}

/// Writes a transition's effects as rows: history lines, reminders, and alerts with their sealed payload.
struct EffectRecorder {
    let store: Store
    let record: PlanRecord
    let lateTolerance: TimeInterval
    let now: Date
    /// The plan's open incidents, as the effects recorded so far leave them.
    private(set) var incidents: OpenIncidents
    private var details: PlanDetails?

    init(store: Store, record: PlanRecord, lateTolerance: TimeInterval, now: Date) {
        self.store = store
        self.record = record
        self.lateTolerance = lateTolerance
        self.now = now
        incidents = record.incidents
    }

    mutating func record(_ effects: [CheckInEffect], at instant: Date, in db: Database) throws -> [RaisedAlert] {
        var raised: [RaisedAlert] = []
        let policy = IncidentPolicy.apply(effects, open: incidents)
        incidents = policy.open
        var intents = policy.alerts.makeIterator()
        // Under duress, "done" or a check-in must not tell the contacts that the user is safe; the notice is
        // quiet: the user's node does what it would have done, and nothing is sent.
        let duress = effects.contains { if case let .raiseAlert(draft) = $0 { draft.reason == .duress } else { false } }
        for effect in effects {
            switch effect {
            case let .record(entry):
                if let kind = Self.noticeKind(entry) {
                    try store.insertNotice(db, planID: record.id, kind: kind, alertID: nil, at: instant, quiet: duress)
                }
                if let kind = Self.guardianNoticeKind(entry), !duress || kind == "replica" {
                    // Under duress no heartbeat and no stand-down: the guardians' watch runs on. A replica goes
                    // out as with the real PIN, since its confirmation shows in `status`.
                    try store.insertNotice(db, planID: record.id, kind: kind, alertID: nil, at: instant, quiet: false)
                }
                var detail: Data?
                switch entry {
                case let .location(fix): detail = try store.cipher.seal(fix, for: Store.historyColumn(record.id))
                case let .region(transition): detail = try store.cipher.seal(transition, for: Store.historyColumn(record.id))
                default: break
                }
                try store.insertHistory(db, planID: record.id, at: entry.reportedAt ?? instant, kind: entry.kind, detail: detail)
            case .remind:
                try store.insertHistory(db, planID: record.id, at: instant, kind: "reminder", detail: nil)
            case let .raiseAlert(draft):
                if case .update = intents.next(), let alert = try updateAlert(draft, in: db) {
                    raised.append(alert)
                    continue
                }
                let alert = try insertAlert(draft, in: db)
                raised.append(alert)
                try store.insertNotice(db, planID: record.id, kind: "alert", alertID: alert.id, at: instant, quiet: false)
                if !draft.silent {
                    // This node raised it: guardians must not raise the same incident again.
                    try store.insertNotice(db, planID: record.id, kind: "stand-down-alerted", alertID: alert.id, at: instant, quiet: false)
                }
                // The history shows the alerts the user may see; a silent one leaves no line.
                if !draft.silent {
                    try store.insertHistory(db, planID: record.id, at: instant, kind: "alert-\(draft.reason.rawValue)", detail: nil)
                }
            }
        }
        return raised
    }

    /// What contacts are told after an alert: the user ended the plan, or checked in after all.
    private static func noticeKind(_ entry: HistoryEntry) -> String? {
        switch entry {
        case .resolved: "done"
        case .checkInAfterAlert: "checked-in"
        default: nil
        }
    }

    /// What guardians are told: a fresh replica when the plan changes, stand-down when it ends.
    private static func guardianNoticeKind(_ entry: HistoryEntry) -> String? {
        switch entry {
        case .started, .extended, .location: "replica"
        case .checkIn, .checkInAfterAlert: "heartbeat"
        case .done, .resolved: "stand-down-done"
        default: nil
        }
    }

    private mutating func insertAlert(_ draft: AlertDraft, in db: Database) throws -> RaisedAlert {
        let id = Base32.encode(SecureRandom.bytes(count: 16))
        let late = now.timeIntervalSince(draft.raisedAt) > lateTolerance
        let details = try planDetails()
        let payload = try store.alertPayload(db, record: record, details: details, draft: draft)
        let sealed = try store.cipher.seal(payload, for: SealedColumn(table: "alert", column: "payload", rowKey: id))
        try db.execute(
            sql: """
                INSERT INTO alert (id, plan_id, reason, raised_at, recorded_at, deadline_at, late, silent, payload)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                id, record.id, draft.reason.rawValue, draft.raisedAt, now, draft.deadline, late, draft.silent, sealed,
            ])
        return RaisedAlert(id: id, planID: record.id, reason: draft.reason, silent: draft.silent, late: late)
    }

    /// The incident's open alert, updated: a history line for the press (when it shows), the payload built
    /// again with the trail and history so far, the revision raised, and the alert sent again under its
    /// id. Nil when the plan has no such alert (a database from before incidents were kept).
    private mutating func updateAlert(_ draft: AlertDraft, in db: Database) throws -> RaisedAlert? {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT id, reason, raised_at, deadline_at, late FROM alert WHERE plan_id = ? AND silent = ? ORDER BY recorded_at DESC LIMIT 1",
            arguments: [record.id, draft.silent])
        else { return nil }
        let id: String = row["id"]
        guard let raised = AlertReason(rawValue: row["reason"]) else { throw StoreError.damagedRow(table: "alert", id: id) }
        if !draft.silent {
            try store.insertHistory(db, planID: record.id, at: draft.raisedAt, kind: "alert-\(draft.reason.rawValue)", detail: nil)
        }
        // The incident keeps its instant and takes the graver reason (duress after wrong PINs reads duress);
        // each visible press shows in its history.
        let reason = IncidentPolicy.reason(of: raised, joinedBy: draft.reason)
        let incident = AlertDraft(reason: reason, raisedAt: row["raised_at"], deadline: row["deadline_at"], silent: draft.silent)
        let payload = try store.alertPayload(db, record: record, details: try planDetails(), draft: incident)
        let sealed = try store.cipher.seal(payload, for: SealedColumn(table: "alert", column: "payload", rowKey: id))
        try db.execute(
            sql: "UPDATE alert SET payload = ?, reason = ?, revision = revision + 1, updated_at = ? WHERE id = ?",
            arguments: [sealed, reason.rawValue, now, id])
        try store.insertNotice(db, planID: record.id, kind: "alert", alertID: id, at: draft.raisedAt, quiet: false)
        return RaisedAlert(id: id, planID: record.id, reason: reason, silent: draft.silent, late: row["late"], updated: true)
    }

    private mutating func planDetails() throws -> PlanDetails {
        if let details { return details }
        let opened = try record.openDetails(with: store.cipher)
        details = opened
        return opened
    }
}

extension Store {
    /// Builds what a contact will read, from the plan's sealed details and its history so far.
    func alertPayload(_ db: Database, record: PlanRecord, details: PlanDetails, draft: AlertDraft) throws -> AlertPayload {
        let rows = try Row.fetchAll(
            db, sql: "SELECT at, kind, detail FROM history WHERE plan_id = ? ORDER BY at, id", arguments: [record.id])
        var trail: [LocationFix] = []
        var checkIns: [Date] = []
        var history: [HistoryLine] = []
        for row in rows {
            let at: Date = row["at"]
            let kind: String = row["kind"]
            var note: String?
            if kind == HistoryEntry.checkIn.kind || kind == HistoryEntry.checkInAfterAlert.kind { checkIns.append(at) }
            if let detail: Data = row["detail"] {
                if kind == "location" {
                    trail.append(try cipher.open(LocationFix.self, from: detail, for: Store.historyColumn(record.id)))
                } else if kind.hasPrefix("region-") {
                    note = try cipher.open(RegionTransition.self, from: detail, for: Store.historyColumn(record.id)).region
                }
            }
            history.append(HistoryLine(at: at, kind: kind, note: note))
        }
        return AlertPayload(
            plan: record.id, reason: draft.reason, raisedAt: draft.raisedAt, deadline: draft.deadline,
            match: details.match, place: details.place, start: record.startAt, until: record.untilAt,
            trail: Array(trail.suffix(AlertPayload.trailLimit)), checkIns: Array(checkIns.suffix(AlertPayload.checkInLimit)),
            history: Array(history.suffix(AlertPayload.historyLimit)))
    }
}
