import CheckInCore
import Foundation
import GRDB
@testable import MeetupNode
import MeetupProtocol
import Testing

/// The typed store: every table has its record, and the queues' named requests reach their partial indexes,
/// so that a pass of a loop reads the rows due, not the whole table.
@Suite("typed store")
struct StoreRecordsTests {
    let fixture: NodeFixture
    init() throws { fixture = try NodeFixture() }

    static let records: [any TableRecord.Type] = [
        NodeRecord.self, PinRecord.self, PlanRecord.self, PhotoRecord.self, AlertRecord.self, HistoryRecord.self,
        ContactRecord.self, NoticeRecord.self, OutboxRecord.self, SeenEnvelopeRecord.self, ReceivedAlertRecord.self,
        WatchRecord.self, HookJobRecord.self, OwnTracksCredentialRecord.self, CheckInLinkRecord.self, PageNonceRecord.self,
        OwnCardRecord.self, MailboxGrant.self, MailboxMessageRecord.self, MailboxUse.self,
    ]

    @Test("every table of the schema has one record type, and no record names a table that is not there")
    func everyTableHasARecord() throws {
        let tables = try fixture.node.store.writer.read { db in
            try String.fetchAll(
                db,
                sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'")
        }
        #expect(Set(tables) == Set(Self.records.map { $0.databaseTableName }))
        #expect(Self.records.count == Set(Self.records.map { $0.databaseTableName }).count, "one record per table")
    }

    @Test("the records read and written by hand write every column of their table and read back what they wrote")
    func handWrittenRecordsRoundTrip() throws {
        let contact = try fixture.addContact("Ana")
        let t = Date(timeIntervalSince1970: 1_800_000_000)
        var state = CheckInState(schedule: try Schedule(start: t, every: 1800, grace: 300, until: t.addingTimeInterval(7200)))
        state.phase = .alerted
        state.deadline = t.addingTimeInterval(1)
        state.remindedFor = t.addingTimeInterval(2)
        state.lastCheckIn = t.addingTimeInterval(3)
        state.pinFailures = 2
        state.endedAt = t.addingTimeInterval(4)
        state.resolved = true
        var plan = PlanRecord(id: "P1", state: state, wakeAt: t.addingTimeInterval(5), createdAt: t.addingTimeInterval(6), details: Data([1, 2]))
        plan.visibleIncidentOpen = true
        plan.silentIncidentOpen = true
        let alert = AlertRecord(
            id: "A1", planID: "P1", reason: .duress, raisedAt: t.addingTimeInterval(7), recordedAt: t.addingTimeInterval(8),
            deadline: t.addingTimeInterval(9), late: true, silent: true, payload: Data([3]), revision: 4, updatedAt: t.addingTimeInterval(10))
        let notice = NoticeRecord(id: 11, planID: "P1", kind: .standDownAlerted, alertID: "A1", at: t.addingTimeInterval(11), quiet: true,
                                  failedAt: t.addingTimeInterval(12))
        let history = HistoryRecord(id: 13, planID: "P1", at: t.addingTimeInterval(13), kind: "check-in", detail: Data([4]))
        var outbox = OutboxRecord(
            envelopeID: Data([5]), contactID: contact.id, contactName: "Ana", tier: 2, type: .alert, planID: "P1", alertID: "A1",
            envelope: Data([6]), card: Data([7]), createdAt: t.addingTimeInterval(14), expiresAt: t.addingTimeInterval(15),
            nextAttemptAt: t.addingTimeInterval(16), revision: 3)
        outbox.seq = 17
        outbox.state = .delivered
        outbox.attempts = 5
        outbox.deliveredAt = t.addingTimeInterval(18)
        outbox.ackedAt = t.addingTimeInterval(19)
        outbox.lastError = "refused"
        try fixture.node.store.writer.write { db in
            func check<Record: FetchableRecord & PersistableRecord & Equatable>(_ record: Record, key: String, _ value: any DatabaseValueConvertible) throws {
                let table = Record.databaseTableName
                #expect(Set(try record.databaseDictionary.keys) == Set(try db.columns(in: table).map(\.name)), "\(table): every column")
                try Store.insertRow(record, db)
                let read = try Record.fetchOne(db, sql: "SELECT * FROM \(table) WHERE \(key) = ?", arguments: [value])
                #expect(read == record, "\(table): read back as written")
            }
            try check(plan, key: "id", "P1")
            try check(alert, key: "id", "A1")
            try check(notice, key: "id", 11)
            try check(history, key: "id", 13)
            try check(outbox, key: "seq", 17)
            // An update writes every column but the key, and a row that is not there is an error.
            var changed = plan
            changed.phase = .done
            changed.wakeAt = nil
            changed.details = Data([9])
            try Store.updateRow(changed, db, key: "id")
            #expect(try PlanRecord.fetchOne(db, sql: "SELECT * FROM plan WHERE id = 'P1'") == changed)
            changed.id = "P2"
            #expect(throws: RecordError.self) { try Store.updateRow(changed, db, key: "id") }
        }
    }

    @Test("the scheduler's, the watchdog's and the courier's queues (due, expired, alerts first) are read through their partial indexes")
    func queuesUseTheirIndexes() throws {
        let now = Date()
        let plans = try fixture.node.store.writer.read { db in
            (
                due: try plan(PlanRecord.all().due(by: now), db),
                earliest: try plan(PlanRecord.filter(PlanRecord.Columns.wakeAt != nil).select(min(PlanRecord.Columns.wakeAt)), db),
                watches: try plan(WatchRecord.all().due(by: now), db),
                outbox: try plan(OutboxRecord.all().queued().filter(OutboxRecord.Columns.nextAttemptAt <= now), db),
                expiry: try plan(OutboxRecord.all().queued().filter(OutboxRecord.Columns.expiresAt <= now), db),
                alertsFirst: try plan(
                    OutboxRecord.aliased(TableAlias(name: "o")).filter(sql: Store.sendableEnvelope)
                        .filter(OutboxRecord.Columns.nextAttemptAt <= now), db)
            )
        }
        #expect(plans.due.contains("plan_wake_at"), "\(plans.due)")
        #expect(plans.earliest.contains("plan_wake_at"), "\(plans.earliest)")
        #expect(plans.watches.contains("watch_wake_at"), "\(plans.watches)")
        #expect(plans.outbox.contains("outbox_due"), "\(plans.outbox)")
        #expect(plans.expiry.contains("outbox_expiry"), "\(plans.expiry)")
        // The ordering rule looks only at the queued alerts to the same contact, not at every row sent before.
        #expect(plans.alertsFirst.contains("outbox_due") && plans.alertsFirst.contains("outbox_queued_alert"), "\(plans.alertsFirst)")
        let wakes = try fixture.node.store.writer.read { db in
            try [Store.earliestAttemptSQL, Store.earliestExpirySQL].map { sql in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }.joined(separator: "\n")
            }
        }
        #expect(wakes[0].contains("outbox_due") && !wakes[0].contains("TEMP B-TREE"), "\(wakes[0])")
        #expect(wakes[1].contains("outbox_expiry") && !wakes[1].contains("TEMP B-TREE"), "\(wakes[1])")
        // The courier's pass walks the index in order and stops at its limit: no sort of every due row.
        for saturated in [0, 3] {
            let candidates = try fixture.node.store.writer.read { db in
                try Row.fetchAll(
                    db, sql: "EXPLAIN QUERY PLAN " + Store.dueCandidates(saturated: saturated),
                    arguments: StatementArguments([now] + Array(repeating: 1, count: saturated) + [10]))
                    .map { $0["detail"] as String }.joined(separator: "\n")
            }
            #expect(candidates.contains("outbox_due") && !candidates.contains("TEMP B-TREE"), "\(candidates)")
        }
    }

    @Test("a received alert finds its incident by index lookups, not by reading every alert of its sender")
    func incidentLookupUsesIndexes() throws {
        let now = Date()
        let payload = AlertPayload(
            plan: "PLAN1", reason: .missed, raisedAt: now, deadline: now, match: try MatchDetails(pseudonym: "Kiwi"),
            place: try Place(name: "Cafe"), start: now, until: now, trail: [], checkIns: [], history: [])
        let message = AlertMessage(alert: "A1", late: false, payload: payload, photo: nil)
        let detail = try fixture.node.store.writer.read { db in
            try plan(ReceivedAlertRecord.incident(of: message, from: Data([1])), db)
        }
        #expect(detail.contains("MULTI-INDEX OR") && detail.contains("received_alert_incident"), "\(detail)")
    }

    @Test("the table rebuilds keep their rows: an outbox row and a hook job from before v7 and v9 survive, with their ids and indexes")
    func rebuildsKeepRows() throws {
        let queue = try DatabaseQueue()
        try Store.migrator.migrate(queue, upTo: "v6-incidents")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO contact (id, name, signing_key, sealing_key, tier, guardian, added_at, card) VALUES (7, 'Ana', x'01', x'02', 1, 0, 0, x'')")
            try db.execute(sql: """
                INSERT INTO outbox (seq, envelope_id, contact_id, contact_name, tier, type, alert_id, envelope, created_at, expires_at,
                                    state, next_attempt_at, revision)
                VALUES (42, x'aa', 7, 'Ana', 1, 'alert', 'A1', x'bb', 0, 9999999999, 'queued', 5, 3)
                """)
            try db.execute(sql: """
                INSERT INTO received_alert (id, alert_id, sender_key, plan_id, reason, raised_at, received_at, content)
                VALUES ('R1', 'X', x'01', 'P', 'missed', 0, 0, x'')
                """)
            try db.execute(sql: "INSERT INTO hook_job (id, alert_id, hook, event, next_attempt_at) VALUES (9, 'R1', 'ntfy', 'update', 0)")
        }
        try Store.migrator.migrate(queue)
        try queue.read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT seq, contact_id, revision, state FROM outbox"))
            #expect(row["seq"] as Int64 == 42 && row["contact_id"] as Int64 == 7 && row["revision"] as Int == 3)
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox'")
            #expect(Set(indexes).isSuperset(of: ["outbox_due", "outbox_on_contact_id", "outbox_on_alert_id"]), "\(indexes)")
            let job = try #require(try Row.fetchOne(db, sql: "SELECT id, alert_id, event, plan_id FROM hook_job"))
            #expect(job["id"] as Int64 == 9 && job["alert_id"] as String == "R1" && job["event"] as String == "update")
            #expect(try String.fetchOne(db, sql: "SELECT acks FROM received_alert") == "[]")
        }
        try queue.write { db in
            try db.execute(sql: "INSERT INTO outbox (envelope_id, contact_name, tier, type, envelope, created_at, expires_at, state) VALUES (x'cc', 'B', 1, 'acked', x'', 0, 0, 'queued')")
        }
    }

    /// SQLite's plan for the request, one line per step.
    private func plan(_ request: some FetchRequest, _ db: Database) throws -> String {
        let statement = try request.makePreparedRequest(db, forSingleResult: false).statement
        return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + statement.sql, arguments: statement.arguments)
            .map { $0["detail"] as String }.joined(separator: "\n")
    }
}
