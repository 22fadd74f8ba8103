import CheckInCore
import Foundation
import MeetupControl
import MeetupQR

/// Human and JSON output. `--json` prints the very value the daemon sent.
enum Output {
    static func printJSON(_ value: some Encodable) throws {
        let encoder = ControlJSON.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    static func printTable(_ rows: [(String, String)]) {
        let width = rows.map(\.0.count).max() ?? 0
        for (label, value) in rows {
            print(label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
        }
    }

    /// A plan, short and calm. It shows exactly what the daemon sent: nothing here can tell a duress PIN.
    static func printPlan(_ plan: PlanStatus) {
        var rows = [("plan", plan.plan), ("phase", plan.phase.rawValue)]
        if let place = plan.place { rows.append(("place", TerminalText.clean(place))) }
        if let geo = plan.geo {
            rows.append(("position", "\(geo.lat),\(geo.lon)"))
            rows.append(("map", geo.mapLink))
        }
        if let next = plan.nextDeadline { rows.append(("next check-in", "by " + time(next))) }
        if let reminder = plan.reminderAt { rows.append(("reminder", time(reminder))) }
        rows.append(("until", time(plan.until)))
        rows.append(("every", DurationText.format(plan.everySeconds) + ", grace " + DurationText.format(plan.graceSeconds)))
        if let last = plan.lastCheckIn { rows.append(("last check-in", time(last))) }
        if !plan.contacts.isEmpty { rows.append(("contacts", plan.contacts.joined(separator: ", "))) }
        for guardian in plan.guardians {
            rows.append(("guardian " + guardian.contact, guardian.state.rawValue))
        }
        for alert in plan.alerts {
            rows.append(("alert", "\(alert.reason) at \(time(alert.raisedAt))\(alert.late ? " (late)" : "")"))
            for delivery in alert.deliveries {
                var state = delivery.state
                if let at = delivery.ackedAt ?? delivery.deliveredAt { state += " " + time(at) }
                if let at = delivery.escalatesAt { state += ", escalates at " + time(at) }
                rows.append(("  to " + delivery.contact, state))
            }
        }
        printTable(rows)
    }

    /// Plans, one line each: id, phase, start, next check-in, place.
    static func printPlanList(_ plans: [PlanStatus]) {
        let rows = [["PLAN", "PHASE", "START", "NEXT CHECK-IN", "PLACE"]] + plans.map { plan in
            [plan.plan, plan.phase.rawValue, time(plan.start), plan.nextDeadline.map(time) ?? "-",
             TerminalText.clean(plan.place ?? "-")]
        }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            print(zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces))
        }
    }

    /// Metres, without trapping on whatever a peer sent.
    static func metres(_ value: Double) -> String {
        value.isFinite && value < 1e7 ? String(format: "%.0f m", value) : "unknown"
    }

    /// A received alert, everything it says, for the contact who must act on it.
    static func printReceivedAlert(_ alert: ReceivedAlert) {
        var rows = [("alert", alert.id), ("from", alert.from), ("reason", alert.reason + (alert.late ? " (raised late)" : "")),
                    ("raised", time(alert.raisedAt)), ("received", time(alert.receivedAt))]
        if let updated = alert.updatedAt {
            rows.append(("updated", "\(time(updated)) (\(alert.revision) update\(alert.revision == 1 ? "" : "s") since it was raised)"))
        }
        if let deadline = alert.deadline { rows.append(("missed check-in", time(deadline))) }
        rows.append(("match", alert.match.pseudonym))
        for (label, value) in [("platform", alert.match.platform), ("profile", alert.match.profile),
                               ("phone", alert.match.phone), ("note", alert.match.note)] {
            if let value { rows.append((label, value)) }
        }
        rows.append(("place", alert.place))
        if let geo = alert.geo { rows.append(("place at", "\(geo.lat),\(geo.lon)")) }
        if let last = alert.trail.last {
            rows.append(("last seen", "\(last.geo.lat),\(last.geo.lon) at \(time(last.at))"
                + (last.accuracy.map { " (±" + metres($0) + ")" } ?? "") + (last.battery.map { ", battery \($0)%" } ?? "")))
        }
        if let link = alert.mapLink { rows.append(("map", link)) }
        if let uri = alert.geoURI { rows.append(("geo", uri)) }
        rows.append(("plan", "\(alert.plan), \(time(alert.start)) to \(time(alert.until))"))
        rows.append(("photo", alert.hasPhoto ? "yes (--save-photo FILE)" : "no"))
        rows.append(("state", alert.resolved ? "resolved \(alert.resolvedAt.map(time) ?? "")"
            : alert.acked ? "acknowledged \(alert.ackedAt.map(time) ?? "")" : "OPEN: acknowledge with meetupctl alerts ack \(alert.id)"))
        if let at = alert.checkedInAt { rows.append(("checked in after", "the alert, at " + time(at))) }
        if !alert.via.isEmpty { rows.append(("via", alert.via.joined(separator: ", "))) }
        for ack in alert.acks { rows.append(("on it", "\(ack.name) is on it since \(time(ack.at))")) }
        printTable(rows.map { ($0.0, TerminalText.clean($0.1)) })
        if alert.trail.count > 1 {
            print("\ntrail:")
            for fix in alert.trail {
                print("  \(time(fix.at))  \(fix.geo.lat),\(fix.geo.lon)" + (fix.accuracy.map { "  ±" + metres($0) } ?? "")
                    + (fix.battery.map { "  battery \($0)%" } ?? ""))
            }
        }
        print("\nhistory:")
        for line in alert.history { print("  \(time(line.at))  \(TerminalText.clean(line.kind))" + (line.note.map { "  " + TerminalText.clean($0) } ?? "")) }
    }

    /// A name as the user would type it back in a shell.
    static func quoted(_ text: String) -> String {
        text.contains(where: { $0 == " " || $0 == "'" || $0 == "\"" }) ? "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" : text
    }

    /// Local time, with the date: `2026-11-23 21:45:10`.
    /// A time in the user's zone (`$TZ`), with the zone: `2026-12-01 21:40:05 GMT+1`.
    static func time(_ date: Date) -> String {
        ClockText.dateTime(date, in: .current)
    }
}

extension Output {
    /// A QR code of `text` for the terminal; a line saying why when it cannot be drawn.
    static func printQRCode(_ text: String) {
        do { print(try QRCode(text).terminalText()) } catch { print("(no QR code: \(error))") }
    }
}
