import Foundation
import GRDB

/// A row of `hook_job`: a notification hook still to run, for a received alert or, for the user's own
/// warnings, for a deadline of one of this node's plans. `hook` and `event` are kept as the names they were
/// written with: a row from another version may name one this version does not know.
struct HookJobRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "hook_job"

    var id: Int64?
    var alertID: String?
    var planID: String?
    var deadline: Date?
    var hook: String
    var event: String
    var attempts: Int
    var nextAttemptAt: Date
    var lastError: String?

    enum CodingKeys: String, CodingKey {
        case id, hook, event, attempts
        case alertID = "alert_id"
        case planID = "plan_id"
        case deadline = "deadline_at"
        case nextAttemptAt = "next_attempt_at"
        case lastError = "last_error"
    }

    enum Columns {
        static let attempts = Column(CodingKeys.attempts)
        static let nextAttemptAt = Column(CodingKeys.nextAttemptAt)
        static let lastError = Column(CodingKeys.lastError)
    }

    init(subject: HookJob.Subject, hook: HookKind, event: HookEvent, at now: Date) {
        switch subject {
        case let .receivedAlert(id): alertID = id
        case let .plan(id, deadline):
            planID = id
            self.deadline = deadline
        }
        self.hook = hook.rawValue
        self.event = event.rawValue
        attempts = 0
        nextAttemptAt = now
    }

    /// The job to run; nil when the row names a hook or an event this version does not know.
    var job: HookJob? {
        guard let id, let hook = HookKind(rawValue: hook), let event = HookEvent(rawValue: event) else { return nil }
        let subject: HookJob.Subject
        if let alertID {
            subject = .receivedAlert(alertID)
        } else if let planID, let deadline {
            subject = .plan(planID, deadline: deadline)
        } else {
            return nil
        }
        return HookJob(id: id, subject: subject, hook: hook, event: event, attempts: attempts)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension Store {
    func insertHookJobs(_ db: Database, _ subject: HookJob.Subject, hooks: [HookKind], event: HookEvent, at now: Date) throws {
        for hook in hooks {
            var job = HookJobRecord(subject: subject, hook: hook, event: event, at: now)
            try job.insert(db)
        }
    }

    /// The jobs due by `now`. A job naming a hook or an event this version does not know, or no subject, has
    /// nothing to run: it is deleted, as a job whose hook a reload removed is done, so that it cannot hold up
    /// the others.
    func dueHookJobs(now: Date, limit: Int) throws -> [HookJob] {
        try writer.write { db in
            let rows = try HookJobRecord.filter(HookJobRecord.Columns.nextAttemptAt <= now)
                .order(HookJobRecord.Columns.nextAttemptAt).limit(limit).fetchAll(db)
            var jobs: [HookJob] = []
            for row in rows {
                if let job = row.job { jobs.append(job) } else { _ = try row.delete(db) }
            }
            return jobs
        }
    }

    func earliestHookJob() throws -> Date? {
        try writer.read { db in
            try HookJobRecord.select(min(HookJobRecord.Columns.nextAttemptAt), as: Date?.self).fetchOne(db) ?? nil
        }
    }

    func finishHookJob(id: Int64) throws {
        try writer.write { db in _ = try HookJobRecord.deleteOne(db, key: id) }
    }

    func retryHookJob(id: Int64, next: Date, error: String) throws {
        let columns = HookJobRecord.Columns.self
        _ = try writer.write { db in
            try HookJobRecord.filter(key: id).updateAll(
                db, columns.attempts += 1, columns.nextAttemptAt.set(to: next), columns.lastError.set(to: error))
        }
    }
}
