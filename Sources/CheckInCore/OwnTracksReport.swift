import Foundation

/// One JSON payload the OwnTracks app posts in HTTP mode, as its booklet documents it
/// (owntracks.org/booklet/tech/json): `_type` names the kind; `location` and `transition` matter here.
public enum OwnTracksReport: Equatable, Sendable {
    /// `_type: location`: `lat`, `lon`, `tst` required; `acc`, `alt`, `batt`, `vel`, `tid`, `conn` optional.
    case location(LocationFix)
    /// `_type: transition`: a region entered or left (`event`, `desc`, with `lat`, `lon`, `tst`).
    case transition(RegionTransition)
    /// `_type: encrypted`: the app's payload encryption (owntracks.org/booklet/features/encrypt); `data` is
    /// base64 of `nonce || secretbox`, to be opened with the key the setup gave the app and read again.
    case encrypted(Data)
    /// Any other `_type` (waypoint, lwt, card, status…), and the empty body the app posts when a friend is
    /// removed: accepted, and nothing is kept.
    case ignored(type: String)

    /// A report stamped further ahead than this is refused: the phone's clock or the report is wrong.
    public static let futureLimit: TimeInterval = 3_600
    /// Region names are cut to this many characters.
    public static let regionNameLimit = 100

    /// Reads one payload. `now` bounds `tst`: a report may be old (the app queues them while offline), but
    /// not from the future.
    public static func parse(_ body: Data, now: Date) throws(OwnTracksError) -> OwnTracksReport {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .ignored(type: "") }
        // The type first: other types' fields are none of our business (a waypoint's lat is a string).
        let type = try decode(TypeField.self, from: body).type
        guard let type else { throw OwnTracksError(field: "_type", problem: "missing") }
        switch type {
        case "location":
            return .location(try decode(Fields.self, from: body).fix(now: now))
        case "transition":
            let fields = try decode(Fields.self, from: body)
            guard let event = fields.event else { throw OwnTracksError(field: "event", problem: "missing") }
            guard let direction = RegionTransition.Direction(rawValue: event) else {
                throw OwnTracksError(field: "event", problem: "expected \"enter\" or \"leave\"")
            }
            let name = fields.desc.map { String($0.prefix(regionNameLimit)) }
            return .transition(RegionTransition(direction: direction, region: name, fix: try fields.fix(now: now)))
        case "encrypted":
            guard let text = try decode(EncryptedFields.self, from: body).data else {
                throw OwnTracksError(field: "data", problem: "missing")
            }
            guard let data = Data(base64Encoded: text) else { throw OwnTracksError(field: "data", problem: "not base64") }
            return .encrypted(data)
        default:
            return .ignored(type: type)
        }
    }

    private struct EncryptedFields: Decodable {
        var data: String?
    }

    private static func decode<T: Decodable>(_ type: T.Type, from body: Data) throws(OwnTracksError) -> T {
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch let DecodingError.typeMismatch(type, context) where !context.codingPath.isEmpty {
            throw OwnTracksError(
                field: context.codingPath.last?.stringValue, problem: type == String.self ? "expected a string" : "expected a number")
        } catch {
            throw OwnTracksError(field: nil, problem: "expected a JSON object")
        }
    }

    private struct TypeField: Decodable {
        var type: String?

        enum CodingKeys: String, CodingKey {
            case type = "_type"
        }
    }

    private struct Fields: Decodable {
        var lat: Double?
        var lon: Double?
        var tst: Double?
        var acc: Double?
        var alt: Double?
        var batt: Double?
        var vel: Double?
        var tid: String?
        var conn: String?
        var event: String?
        var desc: String?


        func fix(now: Date) throws(OwnTracksError) -> LocationFix {
            guard let lat else { throw OwnTracksError(field: "lat", problem: "missing") }
            guard let lon else { throw OwnTracksError(field: "lon", problem: "missing") }
            guard let tst else { throw OwnTracksError(field: "tst", problem: "missing") }
            guard lat.isFinite, (-90...90).contains(lat) else { throw OwnTracksError(field: "lat", problem: "expected degrees, -90 to 90") }
            guard let geo = try? Coordinate(lat: lat, lon: lon) else {
                throw OwnTracksError(field: "lon", problem: "expected degrees, -180 to 180")
            }
            guard tst.isFinite, tst > 0 else { throw OwnTracksError(field: "tst", problem: "expected seconds since 1970") }
            let at = Date(timeIntervalSince1970: tst.rounded(.down))
            guard at.timeIntervalSince(now) <= OwnTracksReport.futureLimit else {
                throw OwnTracksError(field: "tst", problem: "more than an hour ahead of this node's clock")
            }
            if let acc, !LocationFix.isValid(accuracy: acc) {
                throw OwnTracksError(field: "acc", problem: "expected a distance in metres, 0 to \(Int(LocationFix.accuracyLimit))")
            }
            if let batt, !(0...100).contains(batt) { throw OwnTracksError(field: "batt", problem: "expected a percentage, 0 to 100") }
            for (name, value) in [("alt", alt), ("vel", vel)] {
                if let value, !value.isFinite { throw OwnTracksError(field: name, problem: "expected a number") }
            }
            return LocationFix(geo: geo, accuracy: acc, at: at, battery: batt.map { Int($0) })
        }
    }
}

/// Why an OwnTracks payload was refused: the field and what was wrong with it.
public struct OwnTracksError: Error, Equatable, Sendable, CustomStringConvertible {
    public var field: String?
    public var problem: String

    public init(field: String?, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { field.map { "\($0): \(problem)" } ?? problem }
}
