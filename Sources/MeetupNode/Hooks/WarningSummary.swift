import CheckInCore
import Foundation
import MeetupControl

/// What the user's reminder hooks receive: the plan's id, the deadline and when the alarm goes, and a line
/// to show. Never the match, the place or a position: a notification service or a lock screen should not
/// hold whom the user is meeting.
struct WarningSummary: Encodable, Sendable, Equatable {
    var event: String
    var plan: String
    var deadline: Date
    var alarmAt: Date
    var text: String

    enum CodingKeys: String, CodingKey {
        case event, plan, deadline, text
        case alarmAt = "alarm_at"
    }

    /// The warning for `deadline`, when it still stands: a reminder while the plan waits for that deadline, an
    /// overdue notice while it is in grace for it. Nil when the user checked in, ended the plan or was
    /// alerted since (a warning sent late would be wrong).
    init?(_ event: HookEvent, plan status: PlanStatus, deadline: Date, zone: TimeZone) {
        let alarm = deadline.addingTimeInterval(TimeInterval(status.graceSeconds))
        let at = { ClockText.time($0, in: zone) }
        switch event {
        case .reminder:
            guard status.phase == .active, status.nextDeadline == deadline else { return nil }
            text = "meetup: check in before \(at(deadline)), or your contacts are alerted at \(at(alarm))."
        case .overdue:
            guard status.phase == .grace, status.nextDeadline == deadline else { return nil }
            text = "meetup: your check-in is overdue since \(at(deadline)); your contacts are alerted at \(at(alarm)) unless you check in."
        case .alert, .update, .resolved, .checkedIn:
            return nil
        }
        self.event = event.rawValue
        plan = status.plan
        self.deadline = deadline
        alarmAt = alarm
    }

    var message: HookMessage {
        let overdue = event == HookEvent.overdue.rawValue
        return HookMessage(
            json: (try? ControlJSON.encoder().encode(self)) ?? Data(), text: text,
            title: overdue ? "meetup: check-in overdue" : "meetup: time to check in", priority: overdue ? "urgent" : "high",
            tag: overdue ? "warning" : "alarm_clock")
    }
}
