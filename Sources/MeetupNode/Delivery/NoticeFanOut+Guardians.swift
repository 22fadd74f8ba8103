import CheckInCore
import Foundation
import MeetupProtocol

/// What guardians are told (docs/PROTOCOL.md, "Guardians"): a replica with the sealed escrow when the plan
/// changes, a heartbeat on a check-in, a stand-down when the plan ends or this node raised the alert itself.
extension NoticeFanOut {
    /// One replica per guardian of the plan, superseding the replicas still queued to it. The escrow holds
    /// a "missed" alert for every recipient, built from the plan as it stands, sealed to that recipient.
    func replicaEntries(_ plan: NoticePlan, notice: NoticeRecord, now: Date) throws -> [OutboxEntry] {
        let (db, record) = (plan.db, plan.record)
        let details = try plan.details()
        let guardians = try store.guardians(db, of: details)
        guard !guardians.isEmpty else { return [] }
        let state = try record.state()
        guard !state.phase.isEnded else { return [] }
        let recipients = try plan.recipients(details)
        let refs = guardians.map { GuardianRef(key: $0.signingKey.bytes.hexString, name: $0.name) }
        let draft = AlertDraft(reason: .missed, raisedAt: now, deadline: state.deadline, silent: false)
        let payload = AlertPayload(
            plan: record.id, draft: draft, match: details.match, place: details.place, start: record.startAt,
            until: record.untilAt, lines: try store.historyLines(db, planID: record.id))
        // A replica carries one escrow per recipient: past half an envelope in all, the photo stays with the
        // user's own alerts.
        let body = AlertMessage(
            alert: newID(), late: false, payload: payload, photo: try plan.photo(), escrow: true, guardians: refs
        ).body(fitting: AlertMessage.bodyLimit / 2 / max(1, recipients.count))
        var contacts: [ReplicaMessage.Contact] = []
        var escrow: [ReplicaMessage.Escrow] = []
        var own: [Int64: Data] = [:]
        for recipient in recipients {
            contacts.append(.init(name: recipient.name, tier: recipient.tier, card: try store.card(db, of: recipient).text))
            let sealed = seal(.alert, body, recipient).sealed
            escrow.append(.init(cardKey: recipient.signingKey.bytes.hexString, envelope: sealed))
            own[recipient.id] = sealed
        }
        try store.supersedeQueuedReplicas(db, planID: record.id)
        return guardians.map { guardian in
            let replica = ReplicaMessage(
                plan: record.id, version: Int(notice.id ?? 0), start: state.schedule.start,
                everySeconds: state.schedule.every, graceSeconds: state.schedule.grace, until: state.schedule.until,
                deadline: state.deadline, heartbeatSeq: Int(notice.id ?? 0),
                escalateAfterSeconds: details.escalateAfter ?? Plan.defaultEscalateAfter, contacts: contacts,
                escrow: escrow.filter { $0.cardKey != guardian.signingKey.bytes.hexString }, own: own[guardian.id])
            return seal(.replica, WireJSON.encode(replica), guardian)
        }
    }

    /// A heartbeat to every guardian of the plan: the deadline after a PIN-verified check-in. Its sequence
    /// number is the notice's id, which grows with every notice, replicas included.
    func heartbeatEntries(_ plan: NoticePlan, notice: NoticeRecord) throws -> [OutboxEntry] {
        let state = try plan.record.state()
        let body = WireJSON.encode(HeartbeatMessage(
            plan: plan.record.id, seq: Int(notice.id ?? 0), deadline: state.deadline, phase: state.phase,
            at: notice.at))
        return try store.guardians(plan.db, of: try plan.details()).map { seal(.heartbeat, body, $0) }
    }

    /// A stand-down to every guardian of the plan.
    /// After `alerted`, it names the alert's deadline, so that the guardian does not raise that one again.
    /// A plan with no guardian (most of a wave) costs only the look-up.
    func standDownEntries(_ reason: StandDownMessage.Reason, _ plan: NoticePlan, notice: NoticeRecord) throws -> [OutboxEntry] {
        let guardians = try store.guardians(plan.db, of: try plan.details())
        guard !guardians.isEmpty else { return [] }
        let deadline = switch reason {
        case .alerted: try notice.alertID.flatMap { try store.alert(plan.db, id: $0) }?.deadline
        case .done: Date?.none
        }
        let body = WireJSON.encode(StandDownMessage(plan: plan.record.id, reason: reason, deadline: deadline))
        return guardians.map { seal(.standDown, body, $0) }
    }
}
