/// Sizes as people type them: `500K`, `64M`, `1G` (powers of 1,024) or a number of bytes. Parsing never
/// traps: junk and sizes past 1 TiB are refused, quoting the input.
public enum ByteCountText {
    private static let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
    public static let maximum = 1 << 40

    public static func parse(_ text: String) -> Int? {
        var digits = Substring(text)
        var unit = 1
        if let last = text.last, let size = units[Character(last.uppercased())] {
            unit = size
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.count <= 13, let value = Int(digits) else {
            return nil
        }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: unit)
        guard !overflow, bytes <= maximum else { return nil }
        return bytes
    }

    /// The shortest of these forms that is exact: `67108864` is `64M`.
    public static func format(_ bytes: Int) -> String {
        for (suffix, size) in [("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)] where bytes >= size && bytes % size == 0 {
            return "\(bytes / size)\(suffix)"
        }
        return "\(bytes)"
    }
}
