import CheckInCore
import Foundation
import GRDB
import MeetupCrypto

/// The row of `owntracks_credential`: the OwnTracks app's settings. The password is checked by its BLAKE2b
/// hash; it and the payload encryption key are kept sealed, so that `owntracks setup` can show them again.
struct OwnTracksCredentialRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "owntracks_credential"
    var id = 1
    var username: String
    var passwordHash: Data
    var createdAt: Date
    /// The password, sealed under `Store.ownTracksColumn("password")`; nil in a row from before it was kept.
    var password: Data?
    /// The app's `encryptionKey`, sealed under `Store.ownTracksColumn("encryption_key")`.
    var encryptionKey: Data?
    var lastReportAt: Date?
    var lastBattery: Int?

    enum CodingKeys: String, CodingKey {
        case id, username, password
        case passwordHash = "password_hash"
        case createdAt = "created_at"
        case encryptionKey = "encryption_key"
        case lastReportAt = "last_report_at"
        case lastBattery = "last_battery"
    }
}

/// The OwnTracks settings in force, opened.
struct OwnTracksSettings: Equatable {
    var username: String
    var passwordHash: Data
    /// Nil for settings made before they were kept: `--rotate` makes new ones.
    var password: String?
    var encryptionKey: String?
    var lastReportAt: Date?
    var lastBattery: Int?
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
    static func ownTracksColumn(_ column: String) -> SealedColumn {
        SealedColumn(table: "owntracks_credential", column: column, rowKey: "1")
    }

    func ownTracksSettings() throws -> OwnTracksSettings? {
        guard let record = try writer.read({ db in try OwnTracksCredentialRecord.fetchOne(db, key: 1) }) else { return nil }
        let open = { (sealed: Data?, column: String) throws -> String? in
            try sealed.map { String(decoding: try cipher.open($0, for: Self.ownTracksColumn(column)), as: UTF8.self) }
        }
        return OwnTracksSettings(
            username: record.username, passwordHash: record.passwordHash, password: try open(record.password, "password"),
            encryptionKey: try open(record.encryptionKey, "encryption_key"), lastReportAt: record.lastReportAt,
            lastBattery: record.lastBattery)
    }

    /// Replaces the settings: the previous password and key stop working at once.
    func saveOwnTracksSettings(username: String, password: String, encryptionKey: String, at now: Date) throws {
        try writer.write { db in
            try OwnTracksCredentialRecord(
                username: username, passwordHash: blake2b(Data(password.utf8)), createdAt: now,
                password: cipher.seal(Data(password.utf8), for: Self.ownTracksColumn("password")),
                encryptionKey: cipher.seal(Data(encryptionKey.utf8), for: Self.ownTracksColumn("encryption_key"))
            ).save(db)
        }
    }

    /// A report was accepted now, with the battery it gave.
    func noteOwnTracksReport(at now: Date, battery: Int?) throws {
        _ = try writer.write { db in
            try OwnTracksCredentialRecord.filter(key: 1).updateAll(
                db, Column(OwnTracksCredentialRecord.CodingKeys.lastReportAt).set(to: now),
                Column(OwnTracksCredentialRecord.CodingKeys.lastBattery).set(to: battery))
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
