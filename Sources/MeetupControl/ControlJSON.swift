import Foundation

/// The control API's one JSON dialect: snake_case keys (declared per type), ISO 8601 UTC dates with `Z`,
/// sorted keys so that output is stable for people and tests.
public enum ControlJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}

/// The version both executables report.
public enum MeetupVersion {
    public static let current = "0.1.0"
}
