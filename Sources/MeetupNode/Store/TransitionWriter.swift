import CheckInCore
import Foundation
import GRDB

/// Writes one plan's transitions as rows, in the caller's transaction: the steps `DeliveryPolicy` decides
/// (history lines, notices, alerts with their sealed payload), nothing it does not.
struct TransitionWriter {
    let store: Store
    let db: Database
    let record: PlanRecord
    let context: TransitionContext
    let now: Date
    /// The plan's open incidents, as the transitions written so far leave them.
    private(set) var incidents: OpenIncidents
    private var details: PlanDetails?

    init(store: Store, db: Database, record: PlanRecord, context: TransitionContext, now: Date) {
        self.store = store
        self.db = db
        self.record = record
        self.context = context
        self.now = now
        incidents = record.incidents
    }

    /// Writes the effects of one transition at `instant`; returns the alerts opened or updated.
    mutating func write(_ effects: [CheckInEffect], at instant: Date) throws -> [RaisedAlert] {
        let decided = DeliveryPolicy.steps(for: effects, open: incidents, at: instant)
        incidents = decided.open
        var raised: [RaisedAlert] = []
        for step in decided.steps {
            switch step {
            case let .history(entry, at):
                try store.insertHistory(db, planID: record.id, at: at, kind: entry.kind, detail: try sealedDetail(of: entry))
            case let .reminded(at):
                try store.insertHistory(db, planID: record.id, at: at, kind: "reminder", detail: nil)
            case let .warnUser(warning, at):
                let (event, deadline): (HookEvent, Date) = switch warning {
                case let .reminder(deadline): (.reminder, deadline)
                case let .overdue(deadline): (.overdue, deadline)
                }
                try store.insertHookJobs(
                    db, .plan(record.id, deadline: deadline), hooks: context.warningHooks(), event: event, at: at)
            case let .notice(kind, at, quiet):
                try store.insertNotice(db, planID: record.id, kind: kind, alertID: nil, at: at, quiet: quiet)
            case let .alert(alert, at):
                raised.append(try write(alert, at: at))
            }
        }
        return raised
    }

    /// What a history line keeps sealed: the position or the region, never in clear.
    private func sealedDetail(of entry: HistoryEntry) throws -> Data? {
        switch entry {
        case let .location(fix): try store.cipher.seal(fix, for: Store.historyColumn(record.id))
        case let .region(transition): try store.cipher.seal(transition, for: Store.historyColumn(record.id))
        case .started, .checkIn, .checkInAfterAlert, .deadlinePassed, .extended, .done, .resolved, .wrongPIN: nil
        }
    }

    private mutating func write(_ step: AlertStep, at instant: Date) throws -> RaisedAlert {
        switch step.intent {
        case let .update(draft):
            if let alert = try updateAlert(draft, step: step) { return alert }
            // The plan has no such alert (a database from before incidents were kept): open one instead.
            return try openAlert(draft, step: AlertStep(.open(draft)), at: instant)
        case let .open(draft):
            return try openAlert(draft, step: step, at: instant)
        }
    }

    private mutating func openAlert(_ draft: AlertDraft, step: AlertStep, at instant: Date) throws -> RaisedAlert {
        let id = context.newAlertID()
        let late = now.timeIntervalSince(draft.raisedAt) > context.lateTolerance
        let payload = try alertPayload(draft)
        try store.insertAlert(
            db, id: id, planID: record.id, draft: draft, recordedAt: now, late: late,
            payload: try store.cipher.seal(payload, for: Store.alertPayloadColumn(id)))
        for kind in step.notices {
            try store.insertNotice(db, planID: record.id, kind: kind, alertID: id, at: instant, quiet: false)
        }
        if step.showsInHistory {
            try store.insertHistory(db, planID: record.id, at: instant, kind: "alert-\(draft.reason.rawValue)", detail: nil)
        }
        return RaisedAlert(id: id, planID: record.id, reason: draft.reason, silent: draft.silent, late: late)
    }

    /// The incident's open alert, updated: a history line for the press (when it shows), the payload built
    /// again with the trail and history so far, the revision raised, and the alert sent again under its
    /// id. Nil when the plan has no such alert.
    private mutating func updateAlert(_ draft: AlertDraft, step: AlertStep) throws -> RaisedAlert? {
        guard let open = try store.latestAlert(db, planID: record.id, silent: draft.silent) else { return nil }
        if step.showsInHistory {
            try store.insertHistory(db, planID: record.id, at: draft.raisedAt, kind: "alert-\(draft.reason.rawValue)", detail: nil)
        }
        // The incident keeps its instant and takes the graver reason (duress after wrong PINs reads duress);
        // each visible press shows in its history.
        let reason = IncidentPolicy.reason(of: open.reason, joinedBy: draft.reason)
        let incident = AlertDraft(reason: reason, raisedAt: open.raisedAt, deadline: open.deadline, silent: draft.silent)
        let payload = try alertPayload(incident)
        try store.updateAlert(
            db, id: open.id, reason: reason, payload: try store.cipher.seal(payload, for: Store.alertPayloadColumn(open.id)),
            at: now)
        for kind in step.notices {
            try store.insertNotice(db, planID: record.id, kind: kind, alertID: open.id, at: draft.raisedAt, quiet: false)
        }
        return RaisedAlert(id: open.id, planID: record.id, reason: reason, silent: draft.silent, late: open.late, updated: true)
    }

    private mutating func alertPayload(_ draft: AlertDraft) throws -> AlertPayload {
        let details = try planDetails()
        return AlertPayload(
            plan: record.id, draft: draft, match: details.match, place: details.place, start: record.startAt,
            until: record.untilAt, lines: try store.historyLines(db, planID: record.id))
    }

    private mutating func planDetails() throws -> PlanDetails {
        if let details { return details }
        let opened = try record.openDetails(with: store.cipher)
        details = opened
        return opened
    }
}
