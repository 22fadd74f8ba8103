import Foundation

/// Times as people read them: the hour and minute on a clock, with the zone they are in, so that a time
/// read on a server in one zone and a phone in another cannot be taken for the other's.
public enum ClockText {
    /// `21:40 GMT+1`, `20:40 UTC`.
    public static func time(_ date: Date, in zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "HH:mm"
        return formatter.string(from: date) + " " + name(of: zone, at: date)
    }

    /// `2026-12-01 21:40:05 GMT+1`: a full date and time with its zone, for the command line.
    public static func dateTime(_ date: Date, in zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date) + " " + name(of: zone, at: date)
    }

    /// The zone's short name at `date`: `UTC` for no offset, else `GMT+1`, `EST`, as the system names it.
    static func name(of zone: TimeZone, at date: Date) -> String {
        if zone.secondsFromGMT(for: date) == 0 { return "UTC" }
        return zone.abbreviation(for: date) ?? "GMT"
    }
}
