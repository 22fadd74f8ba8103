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
    /// `owntracks:///config?inline=…`: the same settings as one link the app imports.
    public var configURL: String
    /// What the phone cannot do with this URL (a loopback address, plain http); nil when nothing.
    public var warning: String?

    enum CodingKeys: String, CodingKey {
        case url, username, password, warning
        case configURL = "config_url"
    }

    public init(url: String, username: String, password: String, configURL: String, warning: String?) {
        self.url = url
        self.username = username
        self.password = password
        self.configURL = configURL
        self.warning = warning
    }
}
