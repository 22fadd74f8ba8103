import CheckInCore
import Foundation

/// The JSON of message bodies: snake_case keys, RFC 3339 UTC times in whole seconds, sorted keys.
/// Reading also accepts fractional seconds, since another implementation may write them.
public enum WireJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            if let date = InstantText.parse(text) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an RFC 3339 time: \(text)"))
        }
        return decoder
    }

    public static func encode(_ value: some Encodable) -> Data {
        // Our own message types always encode; a failure here is a programming error caught by the tests.
        (try? encoder().encode(value)) ?? Data("{}".utf8)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from body: Data) throws(EnvelopeError) -> T {
        do { return try decoder().decode(type, from: body) } catch {
            throw .badBody("\(T.self)")
        }
    }
}

/// Type 1: an alert, as the user's node sends it to each contact.
public struct AlertMessage: Codable, Equatable, Sendable {
    /// The alert's id on the user's node.
    public var alert: String
    public var late: Bool
    public var payload: AlertPayload
    /// The match's photo, when the user gave one.
    public var photo: Data?
    /// True in an escrowed alert: prepared in advance for a guardian to deliver.
    public var escrow: Bool?
    /// In an escrowed alert: the guardians allowed to deliver it.
    public var guardians: [GuardianRef]?
    /// How often the incident was updated since it was raised (Help pressed again, a second duress
    /// check-in); absent for 0. A receiver keeps the highest it has seen (docs/PROTOCOL.md, "alert").
    public var revision: Int?
    /// The largest `revision` a receiver takes.
    public static let revisionLimit = 1_000_000

    public init(
        alert: String, late: Bool, payload: AlertPayload, photo: Data?, escrow: Bool? = nil, guardians: [GuardianRef]? = nil,
        revision: Int? = nil
    ) {
        self.alert = alert
        self.late = late
        self.payload = payload
        self.photo = photo
        self.escrow = escrow
        self.guardians = guardians
        self.revision = revision
    }
}

/// A guardian as an escrowed alert names it: its Ed25519 key (hex) and the user's name for it.
public struct GuardianRef: Codable, Equatable, Sendable {
    public var key: String
    public var name: String

    public init(key: String, name: String) {
        self.key = key
        self.name = name
    }
}

/// Type 16: a plan for a guardian to watch, with the contacts it would alert and their sealed escrow.
public struct ReplicaMessage: Codable, Equatable, Sendable {
    public struct Contact: Codable, Equatable, Sendable {
        public var name: String
        public var tier: Int
        public var card: String

        public init(name: String, tier: Int, card: String) {
            self.name = name
            self.tier = tier
            self.card = card
        }
    }

    /// An alert envelope from the user to one contact, sealed to that contact: the guardian cannot read it.
    public struct Escrow: Codable, Equatable, Sendable {
        public var cardKey: String
        public var envelope: Data

        public init(cardKey: String, envelope: Data) {
            self.cardKey = cardKey
            self.envelope = envelope
        }
    }

    public var plan: String
    public var version: Int
    public var start: Date
    public var everySeconds: Int
    public var graceSeconds: Int
    public var until: Date
    public var deadline: Date?
    public var heartbeatSeq: Int
    public var escalateAfterSeconds: Int
    public var contacts: [Contact]
    public var escrow: [Escrow]
    /// The guardian's own copy, sealed to it.
    public var own: Data?

    public init(
        plan: String, version: Int, start: Date, everySeconds: Int, graceSeconds: Int, until: Date, deadline: Date?,
        heartbeatSeq: Int, escalateAfterSeconds: Int, contacts: [Contact], escrow: [Escrow], own: Data?
    ) {
        self.plan = plan
        self.version = version
        self.start = start
        self.everySeconds = everySeconds
        self.graceSeconds = graceSeconds
        self.until = until
        self.deadline = deadline
        self.heartbeatSeq = heartbeatSeq
        self.escalateAfterSeconds = escalateAfterSeconds
        self.contacts = contacts
        self.escrow = escrow
        self.own = own
    }
}

/// Type 20: stop watching (`done`), or the user's node raised the alert itself (`alerted`).
public struct StandDownMessage: Codable, Equatable, Sendable {
    public enum Reason: String, Codable, Sendable {
        case done
        case alerted
    }

    public var plan: String
    public var reason: Reason
    public var deadline: Date?

    public init(plan: String, reason: Reason, deadline: Date?) {
        self.plan = plan
        self.reason = reason
        self.deadline = deadline
    }
}

/// Type 2: the recipient has committed the envelope `envelope` (hex id).
public struct ReceiptMessage: Codable, Equatable, Sendable {
    public var envelope: String
    public var receivedAt: Date
    public var duplicate: Bool

    public init(envelope: String, receivedAt: Date, duplicate: Bool) {
        self.envelope = envelope
        self.receivedAt = receivedAt
        self.duplicate = duplicate
    }
}

/// Type 3: a contact has seen the alert and is acting on it.
public struct AckMessage: Codable, Equatable, Sendable {
    public var alert: String
    public var plan: String
    public var ackedAt: Date
    /// The user's Ed25519 key (hex), in an ack sent to a guardian, which watches plans by user and plan.
    public var user: String?

    public init(alert: String, plan: String, ackedAt: Date, user: String? = nil) {
        self.alert = alert
        self.plan = plan
        self.ackedAt = ackedAt
        self.user = user
    }
}

/// Type 4: the user is safe (`done`), or checked in after the alert (`checked-in`).
public struct ResolvedMessage: Codable, Equatable, Sendable {
    public enum State: String, Codable, Sendable {
        case done
        case checkedIn = "checked-in"
    }

    public var plan: String
    public var state: State
    public var at: Date

    public init(plan: String, state: State, at: Date) {
        self.plan = plan
        self.state = state
        self.at = at
    }
}

/// Type 17: a check-in made with the real PIN: the plan's next deadline. `seq` increases
/// strictly per plan, and replicas carry the latest, so nothing stale can move a deadline.
public struct HeartbeatMessage: Codable, Equatable, Sendable {
    /// What made the heartbeat (docs/PROTOCOL.md, "Heartbeat").
    public enum Kind: String, Codable, Sendable {
        case checkIn = "check-in"
    }

    public var plan: String
    public var seq: Int
    public var deadline: Date?
    public var phase: Phase
    public var at: Date
    public var kind: Kind

    public init(plan: String, seq: Int, deadline: Date?, phase: Phase, at: Date, kind: Kind = .checkIn) {
        self.plan = plan
        self.seq = seq
        self.deadline = deadline
        self.phase = phase
        self.at = at
        self.kind = kind
    }
}

/// Type 18: a guardian asks the user's node to prove the plan is alive; `nonce` is 32 hex digits.
public struct LivenessRequestMessage: Codable, Equatable, Sendable {
    public var plan: String
    public var nonce: String

    public init(plan: String, nonce: String) {
        self.plan = plan
        self.nonce = nonce
    }
}

/// Type 19: the plan's state, signed by the user's node, naming the request's nonce.
public struct LivenessMessage: Codable, Equatable, Sendable {
    public var plan: String
    public var nonce: String
    public var phase: Phase
    public var deadline: Date?
    public var lastCheckIn: Date?

    public init(plan: String, nonce: String, phase: Phase, deadline: Date?, lastCheckIn: Date?) {
        self.plan = plan
        self.nonce = nonce
        self.phase = phase
        self.deadline = deadline
        self.lastCheckIn = lastCheckIn
    }
}

/// Type 21: an escrowed alert, delivered by a guardian to a contact who may not know it. The guardian's
/// card lets the contact seal its receipt back.
public struct RelayedAlertMessage: Codable, Equatable, Sendable {
    public var escrow: Data
    public var user: String
    public var plan: String
    public var reason: AlertReason
    public var deadline: Date?
    public var raisedAt: Date
    public var late: Bool
    public var guardianCard: String

    public init(
        escrow: Data, user: String, plan: String, reason: AlertReason, deadline: Date?, raisedAt: Date, late: Bool,
        guardianCard: String
    ) {
        self.escrow = escrow
        self.user = user
        self.plan = plan
        self.reason = reason
        self.deadline = deadline
        self.raisedAt = raisedAt
        self.late = late
        self.guardianCard = guardianCard
    }
}
