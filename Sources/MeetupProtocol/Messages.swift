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
            for options in [ISO8601DateFormatter.Options.withInternetDateTime, [.withInternetDateTime, .withFractionalSeconds]] {
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = options
                if let date = formatter.date(from: text) { return date }
            }
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

    public init(alert: String, late: Bool, payload: AlertPayload, photo: Data?) {
        self.alert = alert
        self.late = late
        self.payload = payload
        self.photo = photo
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

    public init(alert: String, plan: String, ackedAt: Date) {
        self.alert = alert
        self.plan = plan
        self.ackedAt = ackedAt
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
