import Foundation

/// Times as people type them on the command line: a clock time (`23:30`, `9:05`) meaning its next
/// occurrence, or a date and a clock time without a zone (`2026-12-01 23:30`, `2026-12-01T23:30`), both in
/// the user's zone; ISO 8601 with a `Z` or an offset, and `+DURATION`, as they are. `meetupctl` turns the
/// local forms into ISO 8601 with the offset before the daemon sees them, since the daemon's zone (often UTC
/// under systemd) need not be the user's.
public enum LocalTimeText {
    /// `text` as ISO 8601 with an offset when it is a local form; anything else unchanged, for the daemon
    /// to parse or refuse, naming the flag.
    public static func resolve(_ text: String, now: Date, zone: TimeZone) -> String {
        guard let date = date(text, now: now, zone: zone) else { return text }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// The instant a local form names; nil for any other text.
    static func date(_ text: String, now: Date, zone: TimeZone) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        if let (hour, minute) = clock(trimmed) {
            // The next occurrence: a time already passed today means tomorrow's.
            let today = calendar.date(bySettingHour: hour, minute: minute, second: 0, of: now)
            guard let today else { return nil }
            return today > now ? today : calendar.date(byAdding: .day, value: 1, to: today)
        }
        let parts = trimmed.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard parts.count == 2, let (hour, minute) = clock(String(parts[1])) else { return nil }
        let day = parts[0].split(separator: "-")
        guard day.count == 3, day[0].count == 4, let year = Int(day[0]), let month = Int(day[1]), let dayOfMonth = Int(day[2])
        else { return nil }
        let components = DateComponents(year: year, month: month, day: dayOfMonth, hour: hour, minute: minute)
        guard components.isValidDate(in: calendar) else { return nil }
        return calendar.date(from: components)
    }

    /// `HH:MM` or `H:MM`, 0:00 to 23:59.
    private static func clock(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        return (hour, minute)
    }
}
