/// The match's details as `key: value` lines (`meetupctl arm --details-stdin`, or typed at its prompts), so
/// that they never appear in the process table or the shell's history (docs/SECURITY.md).
///
/// One key per line; blank lines and lines starting with `#` are ignored; the value is the rest of the line,
/// trimmed, and an empty value gives nothing. Keys are those of `arm`'s flags.
public enum DetailsText {
    public static let keys = ["match", "platform", "profile", "phone", "note", "place", "geo"]

    /// What `arm` asks on a terminal when no `--match` is given, in order: a key and its question.
    public static let prompts: [(key: String, question: String)] = [
        ("match", "Who are you meeting (their pseudonym)? "),
        ("platform", "Where did you meet them (site or app; Enter to skip)? "),
        ("profile", "Their profile's URL (Enter to skip): "),
        ("phone", "Their phone number (Enter to skip): "),
        ("place", "Where do you meet? "),
        ("geo", "The place's coordinates, LAT,LON (Enter to skip): "),
        ("note", "A note for your contacts (Enter to skip): "),
    ]

    /// The details by key, each given once; throws naming the line and what is wrong with it.
    public static func parse(_ text: String) throws(DetailsTextError) -> [String: String] {
        var details: [String: String] = [:]
        var seen: Set<String> = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingWhitespace()
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            guard let colon = line.firstIndex(of: ":") else { throw .notKeyValue(line: index + 1) }
            let key = line[..<colon].trimmingWhitespace().lowercased()
            guard keys.contains(key) else { throw .unknownKey(line: index + 1, key: key) }
            guard seen.insert(key).inserted else { throw .repeated(line: index + 1, key: key) }
            let value = line[line.index(after: colon)...].trimmingWhitespace()
            if !value.isEmpty { details[key] = value }
        }
        return details
    }

    /// `flags` (what the command line gave) with `details` added; a key given both ways is refused, since
    /// which one the user meant cannot be guessed.
    public static func merge(_ details: [String: String], into flags: [String: String?]) throws(DetailsTextError) -> [String: String] {
        var merged = flags.compactMapValues { $0 }
        for (key, value) in details {
            guard merged[key] == nil else { throw .givenTwice(key: key) }
            merged[key] = value
        }
        return merged
    }
}

public enum DetailsTextError: Error, Equatable, CustomStringConvertible {
    case notKeyValue(line: Int)
    case unknownKey(line: Int, key: String)
    case repeated(line: Int, key: String)
    case givenTwice(key: String)

    public var description: String {
        switch self {
        case let .notKeyValue(line): "details line \(line): expected \"key: value\""
        case let .unknownKey(line, key):
            "details line \(line): unknown key \"\(key)\" (known: \(DetailsText.keys.joined(separator: ", ")))"
        case let .repeated(line, key): "details line \(line): \"\(key)\" is given twice"
        case let .givenTwice(key): "--\(key) and the details on standard input both give \(key); give it once"
        }
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
        var text = String(String.UnicodeScalarView(scalars))
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text.removeLast() }
        return text
    }
}
