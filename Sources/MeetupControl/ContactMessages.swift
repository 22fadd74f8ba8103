import CheckInCore
import Foundation

/// `GET /v1/identity`: this node's card, to paste to a contact, and its fingerprint.
public struct IdentityInfo: Codable, Sendable, Equatable {
    public var card: String
    public var fingerprint: String
    public var nodeID: String
    /// Said when the card's endpoint cannot be reached from another machine.
    public var warning: String?

    enum CodingKeys: String, CodingKey {
        case card, fingerprint, warning
        case nodeID = "node_id"
    }

    public init(card: String, fingerprint: String, nodeID: String, warning: String?) {
        self.card = card
        self.fingerprint = fingerprint
        self.nodeID = nodeID
        self.warning = warning
    }
}

/// `POST /v1/contacts`: a name of the user's choosing and the card the contact pasted.
public struct ContactAddRequest: Codable, Sendable {
    public var name: String
    public var card: String
    public var guardian: Bool?
    public var tier: Int?

    public init(name: String, card: String, guardian: Bool?, tier: Int?) {
        self.name = name
        self.card = card
        self.guardian = guardian
        self.tier = tier
    }
}

/// One contact as `contacts list` and `contacts show` print it.
public struct ContactInfo: Codable, Sendable, Equatable {
    public var name: String
    public var nodeID: String
    public var fingerprint: String
    public var tier: Int
    public var guardian: Bool
    public var verifiedAt: Date?
    public var addedAt: Date
    /// What the contact's card calls itself.
    public var cardName: String?
    public var endpoints: [String]?

    public var verified: Bool { verifiedAt != nil }

    enum CodingKeys: String, CodingKey {
        case name, fingerprint, tier, guardian, endpoints, verified
        case nodeID = "node_id"
        case verifiedAt = "verified_at"
        case addedAt = "added_at"
        case cardName = "card_name"
    }

    public init(
        name: String, nodeID: String, fingerprint: String, tier: Int, guardian: Bool, verifiedAt: Date?, addedAt: Date,
        cardName: String?, endpoints: [String]?
    ) {
        self.name = name
        self.nodeID = nodeID
        self.fingerprint = fingerprint
        self.tier = tier
        self.guardian = guardian
        self.verifiedAt = verifiedAt
        self.addedAt = addedAt
        self.cardName = cardName
        self.endpoints = endpoints
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        nodeID = try container.decode(String.self, forKey: .nodeID)
        fingerprint = try container.decode(String.self, forKey: .fingerprint)
        tier = try container.decode(Int.self, forKey: .tier)
        guardian = try container.decode(Bool.self, forKey: .guardian)
        verifiedAt = try container.decodeIfPresent(Date.self, forKey: .verifiedAt)
        addedAt = try container.decode(Date.self, forKey: .addedAt)
        cardName = try container.decodeIfPresent(String.self, forKey: .cardName)
        endpoints = try container.decodeIfPresent([String].self, forKey: .endpoints)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(nodeID, forKey: .nodeID)
        try container.encode(fingerprint, forKey: .fingerprint)
        try container.encode(tier, forKey: .tier)
        try container.encode(guardian, forKey: .guardian)
        try container.encode(verified, forKey: .verified)
        try container.encode(verifiedAt, forKey: .verifiedAt)
        try container.encode(addedAt, forKey: .addedAt)
        try container.encodeIfPresent(cardName, forKey: .cardName)
        try container.encodeIfPresent(endpoints, forKey: .endpoints)
    }
}

public struct ContactList: Codable, Sendable, Equatable {
    public var contacts: [ContactInfo]

    public init(contacts: [ContactInfo]) {
        self.contacts = contacts
    }
}

/// `GET /v1/contacts/{name}/safety-number`, and the answer to `POST .../verify`.
public struct SafetyNumberInfo: Codable, Sendable, Equatable {
    public var contact: String
    public var safetyNumber: String
    public var verifiedAt: Date?

    enum CodingKeys: String, CodingKey {
        case contact
        case safetyNumber = "safety_number"
        case verifiedAt = "verified_at"
    }

    public init(contact: String, safetyNumber: String, verifiedAt: Date?) {
        self.contact = contact
        self.safetyNumber = safetyNumber
        self.verifiedAt = verifiedAt
    }
}

/// An alert this node received from a contact, as `meetupctl alerts` shows it.
public struct ReceivedAlert: Codable, Sendable, Equatable {
    public var id: String
    public var plan: String
    /// The local name of the contact whose plan it is.
    public var from: String
    public var reason: String
    public var late: Bool
    public var match: MatchDetails
    public var place: String
    public var geo: Coordinate?
    public var raisedAt: Date
    public var deadline: Date?
    public var receivedAt: Date
    public var acked: Bool
    public var ackedAt: Date?
    public var resolved: Bool
    public var resolvedAt: Date?
    /// When the user checked in after the alert, if they did.
    public var checkedInAt: Date?
    public var start: Date
    public var until: Date
    public var trail: [LocationFix]
    public var checkIns: [Date]
    public var history: [HistoryLine]
    /// OpenStreetMap and `geo:` links to the last known position, else the place's.
    public var mapLink: String?
    public var geoURI: String?
    public var hasPhoto: Bool
    /// The photo's bytes, only in `alerts show`.
    public var photo: Data?
    /// The routes the incident came through: the user's node, guardians by the user's names for them.
    public var via: [String]
    /// The user's other contacts who acknowledged it, as the user's node names them: who is on it.
    public var acks: [AckNote]
    /// How often the incident was updated (Help pressed again) since it arrived, and when last.
    public var revision: Int
    public var updatedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, plan, from, reason, late, match, place, geo, acked, resolved, start, until, trail, history, photo, via, revision, acks
        case updatedAt = "updated_at"
        case raisedAt = "raised_at"
        case deadline
        case receivedAt = "received_at"
        case ackedAt = "acked_at"
        case resolvedAt = "resolved_at"
        case checkedInAt = "checked_in_at"
        case checkIns = "check_ins"
        case mapLink = "map_link"
        case geoURI = "geo_uri"
        case hasPhoto = "has_photo"
    }

    public init(
        id: String, plan: String, from: String, reason: String, late: Bool, match: MatchDetails, place: String,
        geo: Coordinate?, raisedAt: Date, deadline: Date?, receivedAt: Date, ackedAt: Date?, resolvedAt: Date?,
        checkedInAt: Date?, start: Date, until: Date, trail: [LocationFix], checkIns: [Date], history: [HistoryLine],
        mapLink: String?, geoURI: String?, hasPhoto: Bool, photo: Data?, via: [String], revision: Int = 0,
        updatedAt: Date? = nil, acks: [AckNote] = []
    ) {
        self.id = id
        self.plan = plan
        self.from = from
        self.reason = reason
        self.late = late
        self.match = match
        self.place = place
        self.geo = geo
        self.raisedAt = raisedAt
        self.deadline = deadline
        self.receivedAt = receivedAt
        acked = ackedAt != nil
        self.ackedAt = ackedAt
        resolved = resolvedAt != nil
        self.resolvedAt = resolvedAt
        self.checkedInAt = checkedInAt
        self.start = start
        self.until = until
        self.trail = trail
        self.checkIns = checkIns
        self.history = history
        self.mapLink = mapLink
        self.geoURI = geoURI
        self.hasPhoto = hasPhoto
        self.photo = photo
        self.via = via
        self.revision = revision
        self.updatedAt = updatedAt
        self.acks = acks
    }
}

/// Another contact on an alert: their name as the user's node knows them, and when they acknowledged it.
public struct AckNote: Codable, Sendable, Equatable {
    public var name: String
    public var at: Date

    public init(name: String, at: Date) {
        self.name = name
        self.at = at
    }
}

/// `GET /v1/alerts`: received alerts, newest first.
public struct ReceivedAlertList: Codable, Sendable, Equatable {
    public var alerts: [ReceivedAlert]

    public init(alerts: [ReceivedAlert]) {
        self.alerts = alerts
    }
}

/// `POST /v1/alerts/{id}/ack`: the alert, and whether its sender will be told (false when the sender is no
/// longer a contact).
public struct AckResult: Codable, Sendable, Equatable {
    public var alert: ReceivedAlert
    public var toldSender: Bool

    enum CodingKeys: String, CodingKey {
        case alert
        case toldSender = "told_sender"
    }

    public init(alert: ReceivedAlert, toldSender: Bool) {
        self.alert = alert
        self.toldSender = toldSender
    }
}
