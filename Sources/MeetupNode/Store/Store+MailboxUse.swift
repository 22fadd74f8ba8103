import Foundation
import GRDB

/// The row of `mailbox_use`: the mailbox this node's card lists, at one of its contacts, and how its
/// fetches go.
struct MailboxUse: Equatable, Sendable, FetchableRecord, TableRecord {
    static let databaseTableName = "mailbox_use"

    var hostContactID: Int64
    /// The card lists only the mailbox, not this node's own endpoint.
    var only: Bool
    var since: Date
    var lastFetchAt: Date?
    var lastError: String?
    /// What the host said was still waiting after the last fetch.
    var waiting: Int?

    init(row: Row) {
        hostContactID = row["host_contact_id"]
        only = row["only"]
        since = row["since"]
        lastFetchAt = row["last_fetch_at"]
        lastError = row["last_error"]
        waiting = row["waiting"]
    }
}

extension Store {
    /// The mailbox in use, if any.
    func mailboxUse() throws -> MailboxUse? {
        try readOne { db in try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM mailbox_use WHERE id = 1")).map(MailboxUse.init) }
    }

    /// From now on this node is reached at the mailbox of `host` (replacing any other).
    func useMailbox(hostContactID: Int64, only: Bool, at now: Date) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO mailbox_use (id, host_contact_id, only, since) VALUES (1, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET host_contact_id = excluded.host_contact_id, only = excluded.only,
                      since = excluded.since, last_fetch_at = NULL, last_error = NULL, waiting = NULL
                    """,
                arguments: [hostContactID, only, now])
        }
    }

    /// This node no longer lists a mailbox. False when it used none.
    func dropMailbox() throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM mailbox_use")
            return db.changesCount > 0
        }
    }

    /// A fetch's outcome, for `mailbox status`: when it answered and what still waits, or why it failed.
    func recordFetch(at now: Date, waiting: Int?, error: String?) throws {
        try groupCommit.write { db in
            if let error {
                try db.cachedStatement(sql: "UPDATE mailbox_use SET last_error = ? WHERE id = 1").execute(arguments: [error])
            } else {
                try db.cachedStatement(sql: "UPDATE mailbox_use SET last_fetch_at = ?, last_error = NULL, waiting = ? WHERE id = 1")
                    .execute(arguments: [now, waiting])
            }
        }
    }

    /// Replies to envelopes fetched from the mailbox (receipts, liveness statements), queued to go back
    /// through the outbox, in one commit.
    func queueReplies(_ replies: [Inbox.Reply.Queued], at now: Date) throws {
        guard !replies.isEmpty else { return }
        try groupCommit.write { db in
            for reply in replies {
                switch reply {
                case let .contact(entry): try insertOutbox(db, entry)
                case let .card(relay): try insertOutbox(db, card: relay, planID: nil, now: now)
                }
            }
        }
    }
}
