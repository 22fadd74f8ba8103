import CheckInCore
import Foundation
import Testing

@Suite("local times on the command line")
struct LocalTimeTextTests {
    let paris = TimeZone(identifier: "Europe/Paris")!
    /// 2026-12-01 22:00 in Paris (21:00 UTC).
    let evening = Date(timeIntervalSince1970: 1_796_158_800)

    @Test("a clock time is its next occurrence in the user's zone, with the offset")
    func clockTimes() {
        #expect(LocalTimeText.resolve("23:30", now: evening, zone: paris) == "2026-12-01T23:30:00+01:00")
        #expect(LocalTimeText.resolve("9:05", now: evening, zone: paris) == "2026-12-02T09:05:00+01:00", "passed today: tomorrow")
        #expect(LocalTimeText.resolve("22:00", now: evening, zone: paris) == "2026-12-02T22:00:00+01:00", "now is not the next one")
        #expect(LocalTimeText.resolve("00:15", now: evening, zone: TimeZone(identifier: "UTC")!) == "2026-12-02T00:15:00Z")
    }

    @Test("a date and a clock time without a zone are the user's; ISO 8601 with a zone and +DURATION go as typed")
    func datesAndOthers() {
        #expect(LocalTimeText.resolve("2026-12-01 23:30", now: evening, zone: paris) == "2026-12-01T23:30:00+01:00")
        #expect(LocalTimeText.resolve("2026-07-01T23:30", now: evening, zone: paris) == "2026-07-01T23:30:00+02:00", "summer time")
        for typed in ["2026-12-01T22:30:00Z", "2026-12-01T23:30:00+01:00", "+2h", "25:00", "23:5", "2026-02-30 10:00", "tonight", ""] {
            #expect(LocalTimeText.resolve(typed, now: evening, zone: paris) == typed, "\(typed)")
        }
    }

    @Test("a resolved local time parses back to the same instant")
    func roundTrip() throws {
        let resolved = LocalTimeText.resolve("23:30", now: evening, zone: paris)
        #expect(try PlanInput.instant(resolved, flag: "--until", now: evening) == evening.addingTimeInterval(5_400))
    }
}

@Suite("times printed with their zone")
struct ClockTextTests {
    @Test("a clock time and a full time, each with its zone; UTC is called UTC")
    func zones() {
        let evening = Date(timeIntervalSince1970: 1_796_158_800)
        #expect(ClockText.time(evening, in: TimeZone(identifier: "Europe/Paris")!) == "22:00 GMT+1")
        #expect(ClockText.time(evening, in: TimeZone(identifier: "UTC")!) == "21:00 UTC")
        #expect(ClockText.dateTime(evening, in: TimeZone(identifier: "Europe/Paris")!) == "2026-12-01 22:00:00 GMT+1")
    }
}
