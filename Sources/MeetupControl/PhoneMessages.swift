import Foundation

/// `POST /v1/plans/{id}/link`: the plan's check-in page, `<advertise>/c/<token>`.
public struct CheckInLink: Codable, Sendable, Equatable {
    public var plan: String
    public var url: String
    /// What the phone cannot do with this URL (a loopback address, plain http); nil when nothing.
    public var warning: String?

    public init(plan: String, url: String, warning: String?) {
        self.plan = plan
        self.url = url
        self.warning = warning
    }
}

/// `POST /v1/owntracks/setup`: what to type into the OwnTracks app (HTTP mode). A new password each time;
/// the previous one stops working.
public struct OwnTracksSetup: Codable, Sendable, Equatable {
    public var url: String
    public var username: String
    public var password: String
    /// The app's payload encryption key (Settings, Encryption key): the node opens `_type: encrypted`.
    public var encryptionKey: String
    /// `owntracks:///config?inline=…`: the same settings as one link the app imports.
    public var configURL: String
    /// Whether these settings are new (`--rotate`, or the first setup): the phone must be set up again.
    public var rotated: Bool
    /// When the last report arrived, and the battery it gave.
    public var lastReportAt: Date?
    public var lastBattery: Int?
    /// What the phone cannot do with this URL (a loopback address, plain http); nil when nothing.
    public var warning: String?

    enum CodingKeys: String, CodingKey {
        case url, username, password, warning, rotated
        case encryptionKey = "encryption_key"
        case configURL = "config_url"
        case lastReportAt = "last_report_at"
        case lastBattery = "last_battery"
    }

    public init(
        url: String, username: String, password: String, encryptionKey: String, configURL: String, rotated: Bool,
        lastReportAt: Date?, lastBattery: Int?, warning: String?
    ) {
        self.url = url
        self.username = username
        self.password = password
        self.encryptionKey = encryptionKey
        self.configURL = configURL
        self.rotated = rotated
        self.lastReportAt = lastReportAt
        self.lastBattery = lastBattery
        self.warning = warning
    }
}
