/// Durations as people type them on the command line: `90s`, `15m`, `2h`, `1h30m`, `1d`.
///
/// Units are `d`, `h`, `m`, `s`, each at most once and from largest to smallest; the value is a whole
/// number of seconds. Parsing never traps: overflow and junk are errors that quote the input.
public enum DurationText {
    private static let units: [(Character, Int)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    public static func parse(_ text: String) throws(DurationTextError) -> Int {
        var total = 0
        var digits = ""
        var nextUnit = 0
        var sawUnit = false
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            guard let unitIndex = units.firstIndex(where: { $0.0 == character }), unitIndex >= nextUnit,
                  !digits.isEmpty
            else { throw .malformed(text) }
            guard let value = Int(digits) else { throw .tooLong(text) }
            let (product, overflowProduct) = value.multipliedReportingOverflow(by: units[unitIndex].1)
            let (sum, overflowSum) = total.addingReportingOverflow(product)
            guard !overflowProduct, !overflowSum, sum <= maximumSeconds else { throw .tooLong(text) }
            total = sum
            digits = ""
            nextUnit = unitIndex + 1
            sawUnit = true
        }
        guard sawUnit, digits.isEmpty else { throw .malformed(text) }
        return total
    }

    /// The shortest text that parses back to `seconds`: `5400` is `1h30m`, `0` is `0s`.
    public static func format(_ seconds: Int) -> String {
        guard seconds > 0 else { return "0s" }
        var rest = seconds
        var text = ""
        for (unit, size) in units where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }

    /// A hundred years: far beyond any plan, far below any overflow.
    public static let maximumSeconds = 100 * 366 * 86_400
}

public enum DurationTextError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case tooLong(String)

    public var description: String {
        switch self {
        case let .malformed(text):
            "duration \"\(text)\": expected numbers with units d, h, m or s, like 90s, 15m, 2h or 1h30m"
        case let .tooLong(text):
            "duration \"\(text)\" is longer than a hundred years"
        }
    }
}
