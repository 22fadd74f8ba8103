import CheckInCore
import Testing

@Suite("DurationText")
struct DurationTextTests {
    @Test("durations as people type them parse to seconds",
          arguments: [("90s", 90), ("15m", 900), ("2h", 7200), ("1h30m", 5400), ("1d", 86400), ("0s", 0),
                      ("1d2h3m4s", 93784), ("007m", 420)])
    func parses(text: String, seconds: Int) throws {
        #expect(try DurationText.parse(text) == seconds)
    }

    @Test("junk, missing units, repeated or out-of-order units are refused, quoting the input",
          arguments: ["", "15", "m", "15x", "1m1h", "1h1h", "1.5h", "-5m", " 5m", "5m ", "1h 30m", "٣m"])
    func refuses(text: String) {
        #expect(throws: DurationTextError.malformed(text)) { try DurationText.parse(text) }
    }

    @Test("absurdly long durations are refused without overflowing")
    func tooLong() {
        #expect(throws: DurationTextError.tooLong("99999999999999999d")) { try DurationText.parse("99999999999999999d") }
        #expect(throws: DurationTextError.tooLong("900000h")) { try DurationText.parse("900000h") }
        #expect(throws: DurationTextError.tooLong("999999999999999999999999s")) {
            try DurationText.parse("999999999999999999999999s")
        }
    }

    @Test("format gives the shortest text, and parse(format(n)) == n", arguments: [0, 1, 59, 60, 61, 3600, 5400, 86_399, 90_061])
    func roundTrip(seconds: Int) throws {
        #expect(try DurationText.parse(DurationText.format(seconds)) == seconds)
    }

    @Test("format writes units largest first")
    func formatExamples() {
        #expect(DurationText.format(5400) == "1h30m")
        #expect(DurationText.format(90) == "1m30s")
        #expect(DurationText.format(0) == "0s")
    }
}
