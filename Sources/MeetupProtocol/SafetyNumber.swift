import Foundation

/// The number two people compare to know that the cards they exchanged were not swapped: 60 digits from
/// both fingerprints, the same whichever side computes it (docs/PROTOCOL.md, "Safety number").
public enum SafetyNumber {
    public static func compute(_ a: NodeFingerprint, _ b: NodeFingerprint) -> String {
        let digits = [half(a), half(b)].sorted().joined()
        return stride(from: 0, to: digits.count, by: 5).map { offset in
            let start = digits.index(digits.startIndex, offsetBy: offset)
            return String(digits[start ..< digits.index(start, offsetBy: 5)])
        }.joined(separator: " ")
    }

    /// 30 digits: six 5-byte chunks of the fingerprint, each as a 40-bit number modulo 100000.
    static func half(_ fingerprint: NodeFingerprint) -> String {
        let bytes = [UInt8](fingerprint.bytes.prefix(30))
        return stride(from: 0, to: 30, by: 5).map { offset in
            let value = bytes[offset ..< offset + 5].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let text = String(value % 100_000)
            return String(repeating: "0", count: 5 - text.count) + text
        }.joined()
    }
}
