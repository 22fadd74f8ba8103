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

    /// The lines for standard error, calm first: no guardian confirmed yet; no contact at all.
    public static func notes(for plan: PlanStatus) -> [String] {
        var notes: [String] = []
        if !plan.guardians.isEmpty, !isWatched(plan) {
            notes.append("note: not yet watched by a guardian; meetupctl status \(plan.plan) shows when one confirms.")
        }
        if plan.contacts.isEmpty {
            notes.append("warning: you have no contacts: an alert would reach no one. Add one with meetupctl contacts add.")
        }
        return notes
    }
}
