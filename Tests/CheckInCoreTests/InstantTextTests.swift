import CheckInCore
import Foundation
import Testing

/// The RFC 3339 parser against Foundation's ISO8601DateFormatter (the independent reading) on generated
/// times, and its refusals.
@Suite("instant text")
struct InstantTextTests {
    @Test("agrees with ISO8601DateFormatter on 5,000 generated times, offsets and fractions included")
    func agreesWithFoundation() throws {
        var generator = SystemRandomNumberGenerator()
        let whole = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for _ in 0..<5_000 {
            let year = Int.random(in: 1900...2200, using: &generator), month = Int.random(in: 1...12, using: &generator)
            let day = Int.random(in: 1...(month == 2 ? (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28) : 30), using: &generator)
            var text = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day,
                              Int.random(in: 0...23, using: &generator), Int.random(in: 0...59, using: &generator),
                              Int.random(in: 0...59, using: &generator))
            let withFraction = Bool.random(using: &generator)
            if withFraction { text += String(format: ".%03d", Int.random(in: 0...999, using: &generator)) }
            let offsetMinutes = Int.random(in: -14 * 60...14 * 60, using: &generator)
            if offsetMinutes == 0 || Bool.random(using: &generator) {
                text += "Z"
            } else {
                text += String(format: "%@%02d:%02d", offsetMinutes < 0 ? "-" : "+", abs(offsetMinutes) / 60, abs(offsetMinutes) % 60)
            }
            let expected = try #require((withFraction ? fractional : whole).date(from: text), "\(text)")
            let parsed = try #require(InstantText.parse(text), "\(text)")
            #expect(abs(parsed.timeIntervalSince(expected)) < 0.000_5, "\(text)")
        }
    }

    @Test("known instants, lower-case T and Z, and long fractions")
    func knownInstants() {
        #expect(InstantText.parse("1970-01-01T00:00:00Z") == Date(timeIntervalSince1970: 0))
        #expect(InstantText.parse("2026-12-04t01:02:03z") == Date(timeIntervalSince1970: 1_796_346_123))
        #expect(InstantText.parse("2026-12-04T02:02:03+01:00") == Date(timeIntervalSince1970: 1_796_346_123))
        #expect(InstantText.parse("2024-02-29T00:00:00Z") == Date(timeIntervalSince1970: 1_709_164_800))
        #expect(InstantText.parse("1969-12-31T23:59:59.5Z") == Date(timeIntervalSince1970: -0.5))
        let long = InstantText.parse("2026-12-04T01:02:03.123456789123Z")?.timeIntervalSince1970 ?? 0
        #expect(abs(long - 1_796_346_123.123_456_789) < 0.000_001)
    }

    @Test("refuses what is not an RFC 3339 date-time: a missing zone, a date not in the calendar, anything after",
          arguments: [
              "", "no plan!", "2026-12-04", "2026-12-04T01:02:03", "2026-12-04 01:02:03Z", "2026-12-4T01:02:03Z",
              "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-12-00T00:00:00Z",
              "2026-04-31T00:00:00Z", "2026-12-04T24:00:00Z", "2026-12-04T23:60:00Z", "2026-12-04T23:59:60Z",
              "2026-12-04T01:02:03+2:00", "2026-12-04T01:02:03+0200", "2026-12-04T01:02:03+24:00", "2026-12-04T01:02:03.Z",
              "2026-12-04T01:02:03Z ", " 2026-12-04T01:02:03Z", "2026-12-04T01:02:03ZZ", "+2026-12-04T01:02:03Z",
              "٢٠٢٦-12-04T01:02:03Z", "2026-12-04T01:02:03\u{0}Z",
          ])
    func refuses(_ text: String) {
        #expect(InstantText.parse(text) == nil, "\(text)")
    }
}
