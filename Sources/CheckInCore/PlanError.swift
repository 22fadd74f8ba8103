/// What a plan's inputs can get wrong. Each message names the flag and the rule it broke, and never
/// quotes match details or places (coordinates are quoted: they are the user's own input, shown back to
/// them, and never logged).
public enum PlanError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingPseudonym
    case missingPlace
    case fieldTooLong(flag: String, limit: Int)
    case latitudeOutOfRange(Double)
    case longitudeOutOfRange(Double)
    case malformedCoordinate(String)
    case badDuration(flag: String, DurationTextError)
    case durationTooShort(flag: String, seconds: Int)
    case malformedInstant(flag: String, text: String)
    case startInPast(flag: String)
    case untilNotAfterStart
    case conflictingEnd
    case photoUnreadable
    case photoNotAnImage
    case photoTooLarge(bytes: Int, limit: Int)

    public var description: String {
        switch self {
        case .missingPseudonym: "--match: a pseudonym is required"
        case .missingPlace: "--place: a place name is required"
        case let .fieldTooLong(flag, limit): "\(flag): longer than \(limit) characters"
        case let .latitudeOutOfRange(lat): "--geo: latitude \(lat) is outside -90...90"
        case let .longitudeOutOfRange(lon): "--geo: longitude \(lon) is outside -180...180"
        case let .malformedCoordinate(text): "--geo \"\(text)\": expected LAT,LON in decimal degrees, like 48.8566,2.3522"
        case let .badDuration(flag, error): "\(flag): \(error)"
        case let .durationTooShort(flag, seconds): "\(flag): must be at least 1s, got \(DurationText.format(seconds))"
        case let .malformedInstant(flag, text):
            "\(flag) \"\(text)\": expected a time like 23:30 or 2026-11-23 23:30 (your zone), ISO 8601 with a zone like 2026-11-23T21:00:00Z, or +DURATION like +15m"
        case let .startInPast(flag): "\(flag): the time is in the past"
        case .untilNotAfterStart: "--until: the end must come after the start"
        case .conflictingEnd: "--until and --for: give one or the other"
        case .photoUnreadable: "--photo: the file cannot be read"
        case .photoNotAnImage: "--photo: not a JPEG, PNG or WebP image"
        case let .photoTooLarge(bytes, limit): "--photo: \(bytes) bytes is over the \(limit)-byte limit"
        }
    }
}
