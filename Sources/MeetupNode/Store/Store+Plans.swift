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

/// What a transition needs besides the plan's row: the machine, when an alert counts as late, and where
/// new alert ids come from (the store draws no randomness).
package struct TransitionContext: Sendable {
    package var machine: CheckInMachine
    /// An alert committed more than this many seconds after its instant is marked late.
    package var lateTolerance: TimeInterval
    package var newAlertID: @Sendable () -> String
    /// The user's reminder hooks in force when a warning is committed (a reload changes them).
    var warningHooks: @Sendable () -> [HookKind] = { [] }
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
    /// Plans armed at once (an association's node, a script) share a commit; each returns once its plan is
    /// durable.
    func insertPlan(_ plan: Plan, recipients: [Int64], photo: Data?, machine: CheckInMachine) throws {
        try groupCommit.write { db in
            try insertPlan(db, plan, details: PlanDetails(plan, recipients: recipients), photo: photo, machine: machine)
        }
    }

    func insertPlan(_ db: Database, _ plan: Plan, details: PlanDetails, photo: Data?, machine: CheckInMachine) throws {
        let state = CheckInState(schedule: plan.schedule)
        let record = PlanRecord(
            id: plan.id, state: state, wakeAt: machine.nextTimer(of: state)?.instant, createdAt: plan.createdAt,
            details: try cipher.seal(details, for: PlanRecord.detailsColumn(plan.id)))
        try Self.insertRow(record, db)
        if let photo {
            try PhotoRecord(planID: plan.id, content: cipher.seal(photo, for: PhotoRecord.contentColumn(plan.id))).insert(db)
        }
        try insertHistory(db, planID: plan.id, at: plan.createdAt, kind: "armed", detail: nil)
        try insertNotice(db, planID: plan.id, kind: .replica, alertID: nil, at: plan.createdAt, quiet: false)
    }

    /// In one write transaction: runs the plan's timers due by `now`, each at its own instant, then
    /// `event` at `now`, and commits the new state with every effect. Nothing acts on a transition before
    /// this returns. Returns nil when there is no such plan.
    func advance(planID: String, to now: Date, applying event: CheckInEvent?, _ context: TransitionContext) throws -> PlanOutcome? {
        try writer.write { db in try advance(db, planID: planID, to: now, applying: event, context) }
    }

    /// Runs the timers of up to `limit` plans that are due by `now`, in one transaction, each plan in a
    /// savepoint of its own. A plan whose row is damaged (it cannot be opened or parsed) is rolled back and
    /// taken off the queue, so that one bad row cannot stop every other plan's alerts; its id is returned
    /// in `failed` for the log, and `/healthz` counts it. An error of the moment (disk full, I/O) throws and
    /// commits nothing: every plan keeps its timer for the next try.
    package func advanceDue(
        to now: Date, limit: Int, _ context: TransitionContext
    ) throws -> (outcomes: [PlanOutcome], failed: [String]) {
        try writer.write { db in
            let ids = try PlanRecord.all().due(by: now).limit(limit).select(PlanRecord.Columns.id, as: String.self).fetchAll(db)
            var outcomes: [PlanOutcome] = []
            var failed: [String] = []
            for id in ids {
                do {
                    // A failed rollback is not damage: it leaves this transaction, which then rolls back whole.
                    try db.inCachedSavepoint {
                        if let outcome = try advance(db, planID: id, to: now, applying: nil, context) {
                            outcomes.append(outcome)
                        }
                    }
                } catch where Store.isDamage(error) {
                    try PlanRecord.filter(key: id).updateAll(db, PlanRecord.Columns.wakeAt.set(to: nil))
                    failed.append(id)
                }
            }
            return (outcomes, failed)
        }
    }

    /// The earliest instant any plan waits for: an index lookup, not a scan.
    package func earliestWake() throws -> Date? {
        try writer.read { db in try PlanRecord.filter(PlanRecord.Columns.wakeAt != nil).select(min(PlanRecord.Columns.wakeAt), as: Date?.self).fetchOne(db) ?? nil }
    }

    /// The plan's row, by a statement prepared once per connection.
    func planRecord(_ db: Database, id: String) throws -> PlanRecord? {
        try Self.fetchOne(PlanRecord.self, db, where: "id = ?", [id])
    }

    func advance(
        _ db: Database, planID: String, to now: Date, applying event: CheckInEvent?, _ context: TransitionContext
    ) throws -> PlanOutcome? {
        guard var record = try planRecord(db, id: planID) else { return nil }
        let machine = context.machine
        let lateness = record.wakeAt.flatMap { $0 <= now ? now.timeIntervalSince($0) : nil }
        var state = try record.state()
        var raised: [RaisedAlert] = []
        var effects = TransitionWriter(store: self, db: db, record: record, context: context, now: now)
        for step in machine.catchUp(state, to: now).steps {
            raised += try effects.write(step.effects, at: step.instant)
            state = step.state
        }
        var transition: Transition?
        if let event {
            let applied = machine.apply(event, to: state, at: now)
            raised += try effects.write(applied.effects, at: now)
            state = applied.state
            transition = applied
        }
        let wake = machine.nextTimer(of: state)?.instant
        // After catching up, the next timer lies in the future. One that does not would be picked again at
        // once, forever: refuse the row (the scheduler then takes it off the queue) rather than spin.
        if let wake, wake <= now { throw StoreError.damagedRow(table: "plan", id: planID) }
        record.update(to: state, wakeAt: wake, incidents: effects.incidents)
        try Self.updateRow(record, db, key: PlanRecord.Columns.id.name)
        return PlanOutcome(state: state, transition: transition, raised: raised, lateness: lateness)
    }

    /// The plan's photo, opened, when it has one.
    func photo(_ db: Database, planID: String) throws -> Data? {
        try Self.fetchOne(PhotoRecord.self, db, where: "plan_id = ?", [planID])
            .map { try cipher.open($0.content, for: PhotoRecord.contentColumn(planID)) }
    }
}
