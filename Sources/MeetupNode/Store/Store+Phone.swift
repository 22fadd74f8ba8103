import CheckInCore
import Foundation
import GRDB
import MeetupCrypto

/// The row of `owntracks_credential`: the OwnTracks app's HTTP Basic credentials, the generated password
/// kept as its BLAKE2b hash.
struct OwnTracksCredentialRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "owntracks_credential"
    var id = 1
    var username: String
    var passwordHash: Data
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, username
        case passwordHash = "password_hash"
        case createdAt = "created_at"
    }
}

/// A row of `checkin_link`: a plan's check-in page link, looked up by the token's BLAKE2b hash; the token
/// itself sealed, so that `meetupctl link` can print it again.
struct CheckInLinkRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "checkin_link"
    var planID: String
    var tokenHash: Data
    var token: Data
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case token
        case planID = "plan_id"
        case tokenHash = "token_hash"
        case createdAt = "created_at"
    }

    enum Columns {
        static let planID = Column(CodingKeys.planID)
        static let tokenHash = Column(CodingKeys.tokenHash)
    }

    static let plan = belongsTo(PlanRecord.self)
}

/// A row of `page_nonce`: a check-in page's nonce that has acted, by BLAKE2b hash. Each acts once.
struct PageNonceRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "page_nonce"
    var nonceHash: Data
    var planID: String
    var usedAt: Date

    enum CodingKeys: String, CodingKey {
        case nonceHash = "nonce_hash"
        case planID = "plan_id"
        case usedAt = "used_at"
    }
}

/// What the phone uses without a terminal: the OwnTracks credentials and each plan's check-in link.
extension Store {
    func ownTracksCredential() throws -> (username: String, passwordHash: Data)? {
        try writer.read { db in try OwnTracksCredentialRecord.fetchOne(db, key: 1).map { ($0.username, $0.passwordHash) } }
    }

    /// Replaces the credentials: the previous password stops working at once.
    func saveOwnTracksCredential(username: String, passwordHash: Data, at now: Date) throws {
        try writer.write { db in
            try OwnTracksCredentialRecord(username: username, passwordHash: passwordHash, createdAt: now).save(db)
        }
    }

    /// The plan's link token, creating one with `newToken` when it has none. Nil when the plan has ended
    /// or does not exist.
    func checkInLinkToken(planID: String, newToken: () -> String, at now: Date) throws -> String? {
        try writer.write { db in
            guard try PlanRecord.filter(key: planID).running().fetchCount(db) > 0 else { return nil }
            let column = Self.linkColumn(planID)
            if let link = try CheckInLinkRecord.fetchOne(db, key: planID) {
                return String(decoding: try cipher.open(link.token, for: column), as: UTF8.self)
            }
            let token = newToken()
            try CheckInLinkRecord(
                planID: planID, tokenHash: Self.linkTokenHash(token), token: cipher.seal(Data(token.utf8), for: column),
                createdAt: now
            ).insert(db)
            return token
        }
    }

    /// Revokes the plan's link; false when it had none.
    func deleteCheckInLink(planID: String) throws -> Bool {
        try writer.write { db in try CheckInLinkRecord.deleteOne(db, key: planID) }
    }

    /// The plan a link token opens: running, or ended and still kept (its page then offers Help only). The
    /// lookup is by the token's hash, so its timing says nothing about the token; a revoked link, or the link
    /// of a plan whose retention ended, opens nothing.
    func planID(forLinkToken token: String) throws -> String? {
        try writer.read { db in
            try CheckInLinkRecord.filter(CheckInLinkRecord.Columns.tokenHash == Self.linkTokenHash(token))
                .joining(required: CheckInLinkRecord.plan.notExpired())
                .select(CheckInLinkRecord.Columns.planID, as: String.self).fetchOne(db)
        }
    }

    /// The plans a phone's automatic reports belong to: running and started by `now`. A plan armed for
    /// tonight does not collect the afternoon's movements.
    func startedPlanIDs(at now: Date) throws -> [String] {
        try writer.read { db in
            let columns = PlanRecord.Columns.self
            return try PlanRecord
                .filter([Phase.active, .grace, .alerted].contains(columns.phase) || (columns.phase == Phase.scheduled && columns.startAt <= now))
                .select(columns.id, as: String.self).fetchAll(db)
        }
    }

    /// Records that a check-in page's nonce acts now; false when it had acted already.
    func usePageNonce(_ hash: Data, planID: String, at now: Date) throws -> Bool {
        try writer.write { db in
            try PageNonceRecord(nonceHash: hash, planID: planID, usedAt: now).insert(db, onConflict: .ignore)
            return db.changesCount == 1
        }
    }

    static func linkTokenHash(_ token: String) -> Data { blake2b(Data(token.utf8)) }

    static func linkColumn(_ planID: String) -> SealedColumn {
        SealedColumn(table: "checkin_link", column: "token", rowKey: planID)
    }
}
