import Foundation
import GRDB

/// A row of `watch`: on a guardian, a plan it watches for one of its contacts, with the latest replica sealed
/// whole (it holds the contacts' cards and the escrow sealed to them).
struct WatchRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "watch"

    /// Watching, or stood down: an ended watch is a tombstone, so that a late replica cannot revive the plan.
    enum Phase: String, Codable, DatabaseValueConvertible {
        case watching
        case ended
    }

    var userKey: Data
    var planID: String
    var contactID: Int64?
    var version: Int
    /// The latest heartbeat sequence number: a heartbeat not above it is refused.
    var heartbeatSeq: Int
    var phase: Phase
    var graceSeconds: Int
    var deadline: Date?
    /// deadline + grace + slack: the watchdog's queue.
    var wakeAt: Date?
    var receivedAt: Date
    /// The deadline for which the user's node raised the alert itself.
    var alertedDeadline: Date?
    /// The deadline for which this guardian raised the alarm.
    var alarmedDeadline: Date?
    /// The `ReplicaMessage`, sealed under `Store.watchColumn(userKey:planID:)`; empty in a tombstone.
    var content: Data

    enum CodingKeys: String, CodingKey {
        case version, phase, content
        case userKey = "user_key"
        case planID = "plan_id"
        case contactID = "contact_id"
        case heartbeatSeq = "heartbeat_seq"
        case graceSeconds = "grace_seconds"
        case deadline = "deadline_at"
        case wakeAt = "wake_at"
        case receivedAt = "received_at"
        case alertedDeadline = "alerted_deadline_at"
        case alarmedDeadline = "alarmed_deadline_at"
    }

    enum Columns {
        static let userKey = Column(CodingKeys.userKey)
        static let planID = Column(CodingKeys.planID)
        static let contactID = Column(CodingKeys.contactID)
        static let heartbeatSeq = Column(CodingKeys.heartbeatSeq)
        static let phase = Column(CodingKeys.phase)
        static let deadline = Column(CodingKeys.deadline)
        static let wakeAt = Column(CodingKeys.wakeAt)
        static let receivedAt = Column(CodingKeys.receivedAt)
        static let content = Column(CodingKeys.content)
    }

    static func key(userKey: Data, planID: String) -> [String: any DatabaseValueConvertible] {
        [CodingKeys.userKey.rawValue: userKey, CodingKeys.planID.rawValue: planID]
    }

    /// Stood down: the replica and its escrow go, nothing is watched.
    mutating func end(at now: Date) {
        phase = .ended
        wakeAt = nil
        deadline = nil
        content = Data()
        receivedAt = now
    }
}

extension DerivableRequest<WatchRecord> {
    func watching() -> Self { filter(WatchRecord.Columns.phase == WatchRecord.Phase.watching) }

    /// Watches whose check falls due by `now`, soonest first.
    func due(by now: Date) -> Self {
        filter(WatchRecord.Columns.wakeAt != nil && WatchRecord.Columns.wakeAt <= now && WatchRecord.Columns.contactID != nil)
            .watching().order(WatchRecord.Columns.wakeAt)
    }
}
