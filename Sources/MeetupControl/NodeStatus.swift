import Foundation

/// `GET /v1/status`: who this node is and how it is doing. Ids and counts only, never details.
public struct NodeStatus: Codable, Sendable, Equatable {
    /// Short id of the node: the first ten bytes of its fingerprint in base32.
    public var nodeID: String
    /// The full fingerprint, in groups of four hex digits, for people to compare.
    public var fingerprint: String
    public var version: String
    public var home: String
    public var startedAt: Date
    public var uptimeSeconds: Int
    /// The peer listener's bound address (`HOST:PORT`), nil until it is listening.
    public var listen: String?
    /// The URL contacts use to reach this node.
    public var advertise: String?
    public var schemaVersion: Int
    public var counts: Counts
    public var envelopes: Envelopes
    /// What keeps work from going out, as `/healthz` says it: a loop failing for more than a minute (its
    /// work still queued), damaged rows set aside. Empty when all is well.
    public var problems: [String]
    /// When the OwnTracks app's last report arrived, and the battery it gave; nil when none has.
    public var ownTracksLastReport: Date?
    public var ownTracksBattery: Int?

    /// Plans not yet expired, the alerts the user may see, contacts, alerts received from contacts,
    /// envelopes waiting in the outbox, and plans watched as a guardian.
    public struct Counts: Codable, Sendable, Equatable {
        public var plans: Int
        public var alerts: Int
        public var contacts: Int
        public var received: Int
        public var outbox: Int
        /// Plans this node watches as a guardian.
        public var watching: Int

        public init(plans: Int, alerts: Int, contacts: Int, received: Int, outbox: Int, watching: Int) {
            self.plans = plans
            self.alerts = alerts
            self.contacts = contacts
            self.received = received
            self.outbox = outbox
            self.watching = watching
        }
    }

    /// Envelopes from peers since the daemon started: accepted, and refused by code.
    public struct Envelopes: Codable, Sendable, Equatable {
        public var accepted: Int
        public var refused: [String: Int]

        public init(accepted: Int, refused: [String: Int]) {
            self.accepted = accepted
            self.refused = refused
        }
    }

    enum CodingKeys: String, CodingKey {
        case nodeID = "node_id"
        case fingerprint, version, home
        case startedAt = "started_at"
        case uptimeSeconds = "uptime_seconds"
        case listen, advertise
        case schemaVersion = "schema_version"
        case counts, envelopes, problems
        case ownTracksLastReport = "owntracks_last_report"
        case ownTracksBattery = "owntracks_battery"
    }

    public init(
        nodeID: String, fingerprint: String, version: String, home: String, startedAt: Date,
        uptimeSeconds: Int, listen: String?, advertise: String?, schemaVersion: Int, counts: Counts,
        envelopes: Envelopes, problems: [String] = [], ownTracksLastReport: Date? = nil, ownTracksBattery: Int? = nil
    ) {
        self.nodeID = nodeID
        self.fingerprint = fingerprint
        self.version = version
        self.home = home
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.listen = listen
        self.advertise = advertise
        self.schemaVersion = schemaVersion
        self.counts = counts
        self.envelopes = envelopes
        self.problems = problems
        self.ownTracksLastReport = ownTracksLastReport
        self.ownTracksBattery = ownTracksBattery
    }
}

/// `POST /v1/purge`: what retention deleted (docs/SELF-HOSTING.md, "Retention"). Old envelopes are deleted
/// too but not counted: their number would count the silent alerts' copies, which nothing on the device shows.
public struct PurgeResult: Codable, Sendable, Equatable {
    /// Ended plans, with their trails, history, photos and alerts.
    public var plans: Int
    /// Received alerts acknowledged before the cutoff.
    public var receivedAlerts: Int
    /// A guardian's tombstones of plans that ended.
    public var watches: Int

    public init(plans: Int, receivedAlerts: Int, watches: Int) {
        self.plans = plans
        self.receivedAlerts = receivedAlerts
        self.watches = watches
    }

    enum CodingKeys: String, CodingKey {
        case plans, watches
        case receivedAlerts = "received_alerts"
    }
}

/// `POST /v1/export`: the passphrase that seals the archive (docs/SELF-HOSTING.md, "Backup and restore").
public struct ExportRequest: Codable, Sendable {
    public var passphrase: String

    public init(passphrase: String) {
        self.passphrase = passphrase
    }

    /// Argon2id slows guessing; it cannot save a short passphrase.
    public static let minimumLength = 10
}

/// The sealed archive, and whose it is.
public struct ExportResult: Codable, Sendable {
    public var archive: Data
    public var nodeID: String

    public init(archive: Data, nodeID: String) {
        self.archive = archive
        self.nodeID = nodeID
    }

    enum CodingKeys: String, CodingKey {
        case archive
        case nodeID = "node_id"
    }
}
