import CheckInCore
import Foundation
import MeetupControl

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
        var rows = [("plan", plan.plan), ("state", plan.state)]
        if let next = plan.nextDeadline { rows.append(("next check-in", "by " + time(next))) }
        if let reminder = plan.reminderAt { rows.append(("reminder", time(reminder))) }
        rows.append(("until", time(plan.until)))
        rows.append(("every", DurationText.format(plan.everySeconds) + ", grace " + DurationText.format(plan.graceSeconds)))
        if let last = plan.lastCheckIn { rows.append(("last check-in", time(last))) }
        for alert in plan.alerts {
            rows.append(("alert", "\(alert.reason) at \(time(alert.raisedAt))\(alert.late ? " (late)" : "")"))
        }
        printTable(rows)
    }

    /// Local time, with the date: `2026-11-23 21:45:10`.
    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}
