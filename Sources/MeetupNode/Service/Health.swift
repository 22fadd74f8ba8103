import Foundation

/// `GET /healthz` on the peer listener, for monitors and `systemctl`-minded operators: 200 when the
/// scheduler passed recently and the database takes a write, else 503 naming what failed. The outbox's
/// backlog is reported but never fails the check: a contact that is offline is not this node's fault, and
/// restarting the node would not bring them back. The backlog is told only to callers on this machine: a
/// jump in it would tell anyone who can reach the peer listener that an alert is going out.
struct HealthReport: Codable, Sendable {
    var status: String
    var reasons: [String]
    var schedulerLastPassSecondsAgo: Double?
    var databaseWritable: Bool
    var outboxQueued: Int?
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
        loopHealth.notePass(.scheduler, at: now)
    }

    func health(withBacklog: Bool = true) -> HealthReport {
        let now = clock.now
        var reasons: [String] = []
        let lastPass = loopHealth.lastPass(of: .scheduler)
        let sinceLastPass = lastPass.map { now.timeIntervalSince($0) }
        if let sinceLastPass {
            if sinceLastPass > 3 * Self.schedulerTick { reasons.append("scheduler: no pass for \(Int(sinceLastPass)) s") }
        } else {
            reasons.append("scheduler: not started")
        }
        let writable = probeWriteAtMostEverySecond(now: now)
        if let failure = writable.failure { reasons.append("database: not writable (\(failure))") }
        let backlog = try? store.outboxBacklog()
        if backlog == nil { reasons.append("database: cannot read the outbox") }
        reasons += workProblems(now: now)
        return HealthReport(
            status: reasons.isEmpty ? "ok" : "failing", reasons: reasons, schedulerLastPassSecondsAgo: sinceLastPass,
            databaseWritable: writable.failure == nil, outboxQueued: withBacklog ? backlog?.count ?? 0 : nil,
            outboxOldestSeconds: withBacklog ? backlog?.oldest.map { max(0, now.timeIntervalSince($0)) } : nil)
    }

    /// A committed write costs an fsync: anyone who can reach `/healthz` gets at most one per second.
    private func probeWriteAtMostEverySecond(now: Date) -> (at: Date, failure: String?) {
        if let last = lastWriteProbe.withLock({ $0 }), abs(now.timeIntervalSince(last.at)) < 1 { return last }
        var failure: String?
        do { try store.probeWrite() } catch { failure = Store.describe(error) }
        let result = (at: now, failure: failure)
        lastWriteProbe.withLock { $0 = result }
        return result
    }
}
