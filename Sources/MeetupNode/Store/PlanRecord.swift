import CheckInCore
import Foundation
import GRDB

/// A row of `plan`: where raw columns become a `CheckInState`. Match, place and contacts stay sealed in
/// `details` until someone needs them (an alert's payload). Read and written column by column, by hand:
/// GRDB's Codable path (an Encoder and a Decoder per row) was a fifth of the CPU of a wave of alerts.
package struct PlanRecord: Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "plan"

    var id: String
    var phase: Phase
    var startAt: Date
    var untilAt: Date
    var everySeconds: Int
    var graceSeconds: Int
    var deadlineAt: Date?
    var remindedFor: Date?
    var lastCheckInAt: Date?
    var pinFailures: Int
    var endedAt: Date?
    var resolved: Bool
    var wakeAt: Date?
    var createdAt: Date
    var details: Data
    var visibleIncidentOpen: Bool
    var silentIncidentOpen: Bool

    package enum Columns {
        static let id = Column("id")
        static let phase = Column("phase")
        static let startAt = Column("start_at")
        static let untilAt = Column("until_at")
        static let everySeconds = Column("every_seconds")
        static let graceSeconds = Column("grace_seconds")
        static let deadlineAt = Column("deadline_at")
        static let remindedFor = Column("reminded_for")
        static let lastCheckInAt = Column("last_check_in_at")
        static let pinFailures = Column("pin_failures")
        static let endedAt = Column("ended_at")
        static let resolved = Column("resolved")
        static let wakeAt = Column("wake_at")
        static let createdAt = Column("created_at")
        static let details = Column("details")
        static let visibleIncidentOpen = Column("visible_incident_open")
        static let silentIncidentOpen = Column("silent_incident_open")
    }

    package init(row: Row) throws {
        id = try row.decode(forColumn: Columns.id)
        phase = try row.decode(forColumn: Columns.phase)
        startAt = try row.decode(forColumn: Columns.startAt)
        untilAt = try row.decode(forColumn: Columns.untilAt)
        everySeconds = try row.decode(forColumn: Columns.everySeconds)
        graceSeconds = try row.decode(forColumn: Columns.graceSeconds)
        deadlineAt = try row.decode(forColumn: Columns.deadlineAt)
        remindedFor = try row.decode(forColumn: Columns.remindedFor)
        lastCheckInAt = try row.decode(forColumn: Columns.lastCheckInAt)
        pinFailures = try row.decode(forColumn: Columns.pinFailures)
        endedAt = try row.decode(forColumn: Columns.endedAt)
        resolved = try row.decode(forColumn: Columns.resolved)
        wakeAt = try row.decode(forColumn: Columns.wakeAt)
        createdAt = try row.decode(forColumn: Columns.createdAt)
        details = try row.decode(forColumn: Columns.details)
        visibleIncidentOpen = try row.decode(forColumn: Columns.visibleIncidentOpen)
        silentIncidentOpen = try row.decode(forColumn: Columns.silentIncidentOpen)
    }

    package func encode(to container: inout PersistenceContainer) {
        container[Columns.id] = id
        container[Columns.phase] = phase
        container[Columns.startAt] = startAt
        container[Columns.untilAt] = untilAt
        container[Columns.everySeconds] = everySeconds
        container[Columns.graceSeconds] = graceSeconds
        container[Columns.deadlineAt] = deadlineAt
        container[Columns.remindedFor] = remindedFor
        container[Columns.lastCheckInAt] = lastCheckInAt
        container[Columns.pinFailures] = pinFailures
        container[Columns.endedAt] = endedAt
        container[Columns.resolved] = resolved
        container[Columns.wakeAt] = wakeAt
        container[Columns.createdAt] = createdAt
        container[Columns.details] = details
        container[Columns.visibleIncidentOpen] = visibleIncidentOpen
        container[Columns.silentIncidentOpen] = silentIncidentOpen
    }

    package init(id: String, state: CheckInState, wakeAt: Date?, createdAt: Date, details: Data) {
        self.id = id
        phase = state.phase
        startAt = state.schedule.start
        untilAt = state.schedule.until
        everySeconds = state.schedule.every
        graceSeconds = state.schedule.grace
        deadlineAt = state.deadline
        remindedFor = state.remindedFor
        lastCheckInAt = state.lastCheckIn
        pinFailures = state.pinFailures
        endedAt = state.endedAt
        resolved = state.resolved
        self.wakeAt = wakeAt
        self.createdAt = createdAt
        self.details = details
        visibleIncidentOpen = false
        silentIncidentOpen = false
    }

    /// The machine's state. Throws for a row that breaks the schema's promises (a damaged database).
    func state() throws -> CheckInState {
        let schedule: Schedule
        do {
            schedule = try Schedule(start: startAt, every: everySeconds, grace: graceSeconds, until: untilAt)
        } catch {
            throw StoreError.damagedRow(table: "plan", id: id)
        }
        var state = CheckInState(schedule: schedule)
        state.phase = phase
        state.deadline = deadlineAt
        state.remindedFor = remindedFor
        state.lastCheckIn = lastCheckInAt
        state.pinFailures = pinFailures
        state.endedAt = endedAt
        state.resolved = resolved
        return state
    }

    mutating func update(to state: CheckInState, wakeAt: Date?, incidents: OpenIncidents) {
        self = PlanRecord(id: id, state: state, wakeAt: wakeAt, createdAt: createdAt, details: details)
        visibleIncidentOpen = incidents.visible
        silentIncidentOpen = incidents.silent
    }

    var incidents: OpenIncidents { OpenIncidents(visible: visibleIncidentOpen, silent: silentIncidentOpen) }

    /// The sealed details, opened.
    func openDetails(with cipher: DataCipher) throws -> PlanDetails {
        try cipher.open(PlanDetails.self, from: details, for: Self.detailsColumn(id))
    }

    package static func detailsColumn(_ id: String) -> SealedColumn {
        SealedColumn(table: "plan", column: "details", rowKey: id)
    }
}

extension Phase: DatabaseValueConvertible {}

/// The plans' questions, named.
extension DerivableRequest<PlanRecord> {
    /// Plans not ended: scheduled, active, in grace or alerted.
    func running() -> Self { filter(!Phase.allCases.filter(\.isEnded).contains(PlanRecord.Columns.phase)) }

    /// Plans whose next timer falls due by `now`, soonest first.
    func due(by now: Date) -> Self {
        filter(PlanRecord.Columns.wakeAt != nil && PlanRecord.Columns.wakeAt <= now).order(PlanRecord.Columns.wakeAt)
    }

    func notExpired() -> Self { filter(PlanRecord.Columns.phase != Phase.expired) }

    func newestFirst() -> Self { order(PlanRecord.Columns.createdAt.desc, PlanRecord.Columns.id) }
}

/// A row of `photo`: the match's photo, sealed, while its plan lasts.
struct PhotoRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "photo"

    var planID: String
    /// Sealed under `PhotoRecord.contentColumn(planID)`.
    var content: Data

    enum CodingKeys: String, CodingKey {
        case content
        case planID = "plan_id"
    }

    static func contentColumn(_ planID: String) -> SealedColumn {
        SealedColumn(table: "photo", column: "content", rowKey: planID)
    }
}

/// What `plan.details` holds, sealed.
package struct PlanDetails: Codable, Equatable {
    init(_ plan: Plan, recipients: [Int64], helpAfter: String? = nil) {
        self.init(
            match: plan.match, place: plan.place, contacts: plan.contacts, recipients: recipients,
            escalateAfter: plan.escalateAfter, helpAfter: helpAfter)
    }

    var match: MatchDetails
    var place: Place
    var contacts: [String]
    /// The contacts (row ids) the plan's alerts go to, resolved when it was armed.
    var recipients: [Int64]?
    /// Seconds before tier-2 recipients receive an alert no tier-1 recipient acknowledged.
    var escalateAfter: Int?
    /// For a plan made for Help pressed on an ended plan's page: that plan's id, so that the next press joins
    /// the same incident.
    var helpAfter: String?

    package init(
        match: MatchDetails, place: Place, contacts: [String], recipients: [Int64]? = nil, escalateAfter: Int? = nil,
        helpAfter: String? = nil
    ) {
        self.match = match
        self.place = place
        self.contacts = contacts
        self.recipients = recipients
        self.escalateAfter = escalateAfter
        self.helpAfter = helpAfter
    }
}
