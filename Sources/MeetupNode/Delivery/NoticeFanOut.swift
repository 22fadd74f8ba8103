import CheckInCore
import Foundation
import GRDB
import MeetupProtocol

/// Signs and seals one message to a contact, for the outbox: what the fan-out needs from the node's keys.
typealias EnvelopeSealer = @Sendable (_ type: MessageType, _ body: Data, _ to: ContactRecord) -> OutboxEntry

/// Signs and seals one message to someone known only by their card.
typealias CardSealer = @Sendable (_ type: MessageType, _ body: Data, _ to: ContactCard) -> CardEnvelope

/// Turns committed notices into sealed envelopes in the outbox: what each kind of notice says, and to whom
/// (docs/PROTOCOL.md, "Messages"). The store reads and writes the rows; the messages are built here.
struct NoticeFanOut: Sendable {
    let store: Store
    let seal: EnvelopeSealer
    /// Where escrowed alerts' ids come from.
    let newID: @Sendable () -> String

    /// Turns up to `limit` notices into outbox rows, in order, in one transaction (`Store.fanOut(limit:at:build:)`
    /// says what happens to a damaged notice and to an error of the moment). Returns the rows queued and the
    /// ids of the notices set aside, for the log.
    func run(limit: Int, now: Date) throws -> (queued: Int, failed: [Int64]) {
        try store.fanOut(limit: limit, at: now) { db, notice in try entries(db, for: notice, now: now) }
    }

    private func entries(_ db: Database, for notice: NoticeRecord, now: Date) throws -> [OutboxEntry] {
        // "Resolved" needs nothing of the plan's row: a damaged row must not keep contacts from hearing it.
        let resolved: ResolvedMessage.State? = switch notice.kind {
        case .done: .done
        case .checkedIn: .checkedIn
        case .alert, .replica, .heartbeat, .standDownDone, .standDownAlerted: nil
        }
        if let resolved { return try resolvedEntries(resolved, db, notice: notice, now: now) }
        guard let record = try store.planRecord(db, id: notice.planID) else { return [] }
        let plan = NoticePlan(store: store, db: db, record: record)
        let entries: [OutboxEntry] = switch notice.kind {
        case .alert: try alertEntries(plan, notice: notice, now: now)
        case .done, .checkedIn: []
        case .replica: try replicaEntries(plan, notice: notice, now: now)
        case .heartbeat: try heartbeatEntries(plan, notice: notice)
        case .standDownDone: try standDownEntries(.done, plan, notice: notice)
        case .standDownAlerted: try standDownEntries(.alerted, plan, notice: notice)
        }
        return entries.map { entry in
            var entry = entry
            entry.planID = record.id
            return entry
        }
    }

    /// One alert envelope per recipient, at the instant `DeliveryPolicy.firstAttempt` gives its tier.
    private func alertEntries(_ plan: NoticePlan, notice: NoticeRecord, now: Date) throws -> [OutboxEntry] {
        guard let alertID = notice.alertID, let alert = try store.alert(plan.db, id: alertID) else { return [] }
        let payload = try store.openPayload(of: alert)
        let revision = alert.revision
        // An update goes without the photo, which the first copy carried and the receiver keeps.
        let message = AlertMessage(
            alert: alertID, late: alert.late, payload: payload, photo: revision > 0 ? nil : try plan.photo(),
            revision: revision > 0 ? revision : nil)
        let body = message.body()
        // An update goes where the alert went, but not where `alertCopiesToSkip` says.
        let skipped = try store.alertCopiesToSkip(plan.db, alertID: alertID, revision: revision)
        let details = try plan.details()
        let recipients = try plan.recipients(details).filter { !skipped.contains($0.id) }
        let tiers = recipients.map(\.tier)
        return recipients.map { contact in
            var entry = seal(.alert, body, contact)
            entry.alertID = alertID
            entry.revision = revision
            entry.nextAttemptAt = DeliveryPolicy.firstAttempt(
                tier: contact.tier, recipientTiers: tiers, raisedAt: alert.raisedAt,
                escalateAfter: TimeInterval(details.escalateAfter ?? Plan.defaultEscalateAfter), now: now)
            return entry
        }
    }

    /// One `resolved` envelope to every contact an alert of the plan went to; tier-2 copies still waiting to
    /// escalate are cancelled, since the user is no longer missing. A quiet notice (duress) does the same
    /// visible bookkeeping and sends nothing.
    private func resolvedEntries(
        _ state: ResolvedMessage.State, _ db: Database, notice: NoticeRecord, now: Date
    ) throws -> [OutboxEntry] {
        try store.cancelWaitingTierTwo(db, planID: notice.planID, at: now)
        if notice.quiet { return [] }
        let body = WireJSON.encode(ResolvedMessage(plan: notice.planID, state: state, at: notice.at))
        return try store.alertedContacts(db, planID: notice.planID).compactMap { try store.contact(db, id: $0) }
            .map { contact in
                var entry = seal(.resolved, body, contact)
                entry.planID = notice.planID
                return entry
            }
    }
}

/// A plan as a notice reads it, inside the fan-out's transaction: its row, and its details, recipients and
/// photo when asked.
struct NoticePlan {
    let store: Store
    let db: Database
    let record: PlanRecord

    func details() throws -> PlanDetails {
        try record.openDetails(with: store.cipher)
    }

    /// The contacts the plan's alerts go to, as they are now (a removed contact is gone).
    func recipients(_ details: PlanDetails) throws -> [ContactRecord] {
        try (details.recipients ?? []).compactMap { try store.contact(db, id: $0) }
    }

    func photo() throws -> Data? {
        try store.photo(db, planID: record.id)
    }
}
