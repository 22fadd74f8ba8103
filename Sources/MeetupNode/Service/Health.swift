import Foundation

/// `GET /healthz` on the peer listener, for monitors and `systemctl`-minded operators: 200 when the
/// scheduler passed recently and the database takes a write, else 503 naming what failed. The outbox's
/// backlog is reported but never fails the check: a contact that is offline is not this node's fault, and
/// restarting the node would not bring them back.
struct HealthReport: Codable, Sendable {
    var status: String
    var reasons: [String]
    var schedulerLastPassSecondsAgo: Double?
    var databaseWritable: Bool
    var outboxQueued: Int
    var outboxOldestSeconds: Double?

    var healthy: Bool { reasons.isEmpty }

    enum CodingKeys: String, CodingKey {
        case status, reasons
        case schedulerLastPassSecondsAgo = "scheduler_last_pass_seconds_ago"
        case databaseWritable = "database_writable"
        case outboxQueued = "outbox_queued"
        case outboxOldestSeconds = "outbox_oldest_seconds"
    }
}

extension Node {
    /// The scheduler passes at least this often, so that a pass long ago means a stuck or dead loop.
    static let schedulerTick: TimeInterval = 30

    func schedulerPassed(at now: Date) {
        lastSchedulerPass.withLock { $0 = now }
    }

    func health() -> HealthReport {
        let now = clock.now
        var reasons: [String] = []
        let lastPass = lastSchedulerPass.withLock { $0 }
        let sinceLastPass = lastPass.map { now.timeIntervalSince($0) }
        if let sinceLastPass {
            if sinceLastPass > 3 * Self.schedulerTick { reasons.append("scheduler: no pass for \(Int(sinceLastPass)) s") }
        } else {
            reasons.append("scheduler: not started")
        }
        var writable = true
        do { try store.probeWrite() } catch {
            writable = false
            reasons.append("database: not writable (\(Store.describe(error)))")
        }
        let backlog = try? store.outboxBacklog()
        if backlog == nil { reasons.append("database: cannot read the outbox") }
        return HealthReport(
            status: reasons.isEmpty ? "ok" : "failing", reasons: reasons, schedulerLastPassSecondsAgo: sinceLastPass,
            databaseWritable: writable, outboxQueued: backlog?.count ?? 0,
            outboxOldestSeconds: backlog?.oldest.map { max(0, now.timeIntervalSince($0)) })
    }
}
