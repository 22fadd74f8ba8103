import Foundation
import GRDB
@testable import MeetupNode
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

    @Test("the scheduler's, the watchdog's and the courier's queues are read through their partial indexes")
    func queuesUseTheirIndexes() throws {
        let now = Date()
        let plans = try fixture.node.store.writer.read { db in
            (
                due: try plan(PlanRecord.all().due(by: now), db),
                earliest: try plan(PlanRecord.filter(PlanRecord.Columns.wakeAt != nil).select(min(PlanRecord.Columns.wakeAt)), db),
                watches: try plan(WatchRecord.all().due(by: now), db),
                outbox: try plan(OutboxRecord.all().queued().filter(OutboxRecord.Columns.nextAttemptAt <= now), db)
            )
        }
        #expect(plans.due.contains("plan_wake_at"), "\(plans.due)")
        #expect(plans.earliest.contains("plan_wake_at"), "\(plans.earliest)")
        #expect(plans.watches.contains("watch_wake_at"), "\(plans.watches)")
        #expect(plans.outbox.contains("outbox_due"), "\(plans.outbox)")
    }

    /// SQLite's plan for the request, one line per step.
    private func plan(_ request: some FetchRequest, _ db: Database) throws -> String {
        let statement = try request.makePreparedRequest(db, forSingleResult: false).statement
        return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + statement.sql, arguments: statement.arguments)
            .map { $0["detail"] as String }.joined(separator: "\n")
    }
}
