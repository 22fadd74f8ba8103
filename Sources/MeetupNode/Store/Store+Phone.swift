import Foundation
import GRDB
import MeetupCrypto

/// What the phone uses without a terminal: the OwnTracks credentials and each plan's check-in link.
extension Store {
    func ownTracksCredential() throws -> (username: String, passwordHash: Data)? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT username, password_hash FROM owntracks_credential WHERE id = 1")
            else { return nil }
            return (row["username"], row["password_hash"])
        }
    }

    /// Replaces the credentials: the previous password stops working at once.
    func saveOwnTracksCredential(username: String, passwordHash: Data, at now: Date) throws {
        try writer.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO owntracks_credential (id, username, password_hash, created_at) VALUES (1, ?, ?, ?)",
                arguments: [username, passwordHash, now])
        }
    }

    /// The plan's link token, creating one with `newToken` when it has none. Nil when the plan has ended
    /// or does not exist.
    func checkInLinkToken(planID: String, newToken: () -> String, at now: Date) throws -> String? {
        try writer.write { db in
            guard try String.fetchOne(
                db, sql: "SELECT id FROM plan WHERE id = ? AND phase NOT IN ('done', 'expired')", arguments: [planID]) != nil
            else { return nil }
            let column = Self.linkColumn(planID)
            if let sealed = try Data.fetchOne(db, sql: "SELECT token FROM checkin_link WHERE plan_id = ?", arguments: [planID]) {
                return String(decoding: try cipher.open(sealed, for: column), as: UTF8.self)
            }
            let token = newToken()
            try db.execute(
                sql: "INSERT INTO checkin_link (plan_id, token_hash, token, created_at) VALUES (?, ?, ?, ?)",
                arguments: [planID, Self.linkTokenHash(token), cipher.seal(Data(token.utf8), for: column), now])
            return token
        }
    }

    /// Revokes the plan's link; false when it had none.
    func deleteCheckInLink(planID: String) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM checkin_link WHERE plan_id = ?", arguments: [planID])
            return db.changesCount > 0
        }
    }

    /// The running plan a link token opens. The lookup is by the token's hash, so its timing says nothing
    /// about the token; a revoked link, or the link of an ended plan, opens nothing.
    func planID(forLinkToken token: String) throws -> String? {
        try writer.read { db in
            try String.fetchOne(
                db, sql: """
                    SELECT plan.id FROM checkin_link JOIN plan ON plan.id = checkin_link.plan_id
                    WHERE checkin_link.token_hash = ? AND plan.phase NOT IN ('done', 'expired')
                    """,
                arguments: [Self.linkTokenHash(token)])
        }
    }

    /// The plans a phone's automatic reports belong to: running and started by `now`. A plan armed for
    /// tonight does not collect the afternoon's movements.
    func startedPlanIDs(at now: Date) throws -> [String] {
        try writer.read { db in
            try String.fetchAll(
                db, sql: """
                    SELECT id FROM plan WHERE phase IN ('active', 'grace', 'alerted') OR (phase = 'scheduled' AND start_at <= ?)
                    """,
                arguments: [now])
        }
    }

    /// Records that a check-in page's nonce acts now; false when it had acted already.
    func usePageNonce(_ hash: Data, planID: String, at now: Date) throws -> Bool {
        try writer.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO page_nonce (nonce_hash, plan_id, used_at) VALUES (?, ?, ?)",
                arguments: [hash, planID, now])
            return db.changesCount == 1
        }
    }

    static func linkTokenHash(_ token: String) -> Data { blake2b(Data(token.utf8)) }

    static func linkColumn(_ planID: String) -> SealedColumn {
        SealedColumn(table: "checkin_link", column: "token", rowKey: planID)
    }
}
