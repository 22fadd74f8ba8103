import Foundation

/// What `meetupctl arm` says after the daemon armed the plan: it waits a few seconds for a guardian to
/// confirm, and warns of what would leave the user without a net.
public enum ArmFollowUp {
    /// Asks again (`refresh`) every `interval` until a guardian confirms or `attempts` run out. A plan with no
    /// guardian is returned at once.
    public static func waitForGuardian(
        _ plan: PlanStatus, attempts: Int = 30, interval: Duration = .milliseconds(100),
        refresh: (String) async throws -> PlanStatus
    ) async throws -> PlanStatus {
        var plan = plan
        guard !plan.guardians.isEmpty else { return plan }
        for _ in 0..<attempts where !isWatched(plan) {
            try await Task.sleep(for: interval)
            plan = try await refresh(plan.plan)
        }
        return plan
    }

    static func isWatched(_ plan: PlanStatus) -> Bool {
        plan.guardians.contains { $0.state == .confirmed }
    }

    /// The lines for standard error: what the daemon found worth a second look in the place's position; no
    /// guardian confirmed yet; no contact at all.
    public static func notes(for plan: PlanStatus) -> [String] {
        var notes = (plan.warnings ?? []).map { "warning: " + $0 }
        if !plan.guardians.isEmpty, !isWatched(plan) {
            notes.append("note: not yet watched by a guardian; meetupctl status \(plan.plan) shows when one confirms.")
        }
        if plan.contacts.isEmpty {
            notes.append("warning: no contact will hear of this plan's alerts (--no-contacts). Add one with meetupctl contacts add.")
        }
        return notes
    }

    /// The question `arm` asks on a terminal when the daemon refused because a plan is running; nil for any
    /// other error, which stands.
    public static func alsoQuestion(for error: any Error) -> String? {
        guard case let .refused(refusal) = error as? ControlClientError, refusal.code == "plan_running" else { return nil }
        return "\(refusal.message).\nArm another plan beside it anyway? [y/N] "
    }

    /// Whether an answer to `alsoQuestion` is yes.
    public static func isYes(_ answer: String?) -> Bool {
        guard let answer = answer?.trimmingCharacters(in: .whitespaces).lowercased() else { return false }
        return answer == "y" || answer == "yes"
    }
}
