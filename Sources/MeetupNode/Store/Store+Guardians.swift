import CheckInCore
import Foundation
import GRDB
import MeetupControl
import MeetupCrypto
import MeetupProtocol

/// Guardians, on both sides (docs/PROTOCOL.md, "Guardians"): the user's node sends each guardian of a
/// plan a replica with the sealed escrow, and a stand-down when the plan ends or it raised the alert
/// itself; the guardian keeps the latest replica of each plan it watches.
extension Store {
    /// The plan's recipients that are guardians.
    func guardians(_ db: Database, of details: PlanDetails) throws -> [ContactRecord] {
        try (details.recipients ?? []).compactMap { try contact(db, id: $0) }.filter(\.guardian)
    }

    /// Replicas still queued to the plan's guardians: superseded by the one being queued.
    func supersedeQueuedReplicas(_ db: Database, planID: String) throws {
        try OutboxRecord.all().ofPlan(planID).ofType(.replica).queued().cancel(db)
    }

    /// A contact's card changed: each running plan that alerts it and has guardians sends them a fresh
    /// replica, whose contact list carries the new card, so that a guardian's alarm reaches its endpoints.
    func replicateRunningPlans(_ db: Database, alerting contactID: Int64, at now: Date) throws {
        for plan in try PlanRecord.all().running().fetchAll(db) {
            let details = try plan.openDetails(with: cipher)
            guard details.recipients?.contains(contactID) == true, try !guardians(db, of: details).isEmpty else { continue }
            try insertNotice(db, planID: plan.id, kind: .replica, alertID: nil, at: now, quiet: false)
        }
    }

    /// The plan's state for a guardian that asks (type 19), or nil when `contact` is not its guardian.
    /// The state is caught up to `now` in memory, so that a scheduler pass not yet run cannot mislead.
    func planState(_ planID: String, forGuardian contact: ContactRecord, machine: CheckInMachine, now: Date) throws -> CheckInState? {
        try writer.read { db in
            guard let record = try PlanRecord.fetchOne(db, key: planID) else { return nil }
            let details = try record.openDetails(with: cipher)
            guard try guardians(db, of: details).contains(where: { $0.id == contact.id }) else { return nil }
            return machine.catchUp(try record.state(), to: now).state
        }
    }

    /// Whether each guardian of the plan holds its latest replica (a signed receipt came back).
    func guardianSummaries(_ db: Database, planID: String, details: PlanDetails) throws -> [GuardianSummary] {
        try guardians(db, of: details).map { guardian in
            let replica = try OutboxRecord.all().ofPlan(planID).toContact(guardian.id).ofType(.replica)
                .filter(OutboxRecord.Columns.state != OutboxState.cancelled).order(OutboxRecord.Columns.seq.desc).fetchOne(db)
            return GuardianSummary(
                contact: guardian.name, state: replica?.state.guardianState ?? .notSent, confirmedAt: replica?.deliveredAt)
        }
    }
}
