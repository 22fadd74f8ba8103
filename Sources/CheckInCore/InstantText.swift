import Foundation

/// Instants as text: RFC 3339 / ISO 8601 with a `Z` or an offset, with or without fractional seconds.
/// The one parser for times from the command line and from other nodes.
public enum InstantText {
    public static func parse(_ text: String) -> Date? {
        for options in [ISO8601DateFormatter.Options.withInternetDateTime, [.withInternetDateTime, .withFractionalSeconds]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
