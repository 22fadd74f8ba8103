import Synchronization

/// Where one audience's notifications go: a command, a webhook, an ntfy topic, each optional.
public struct HookTargets: Sendable, Equatable {
    public var exec: String?
    public var webhook: String?
    public var ntfy: String?

    public init(exec: String? = nil, webhook: String? = nil, ntfy: String? = nil) {
        self.exec = exec
        self.webhook = webhook
        self.ntfy = ntfy
    }

    /// The configured hooks.
    var kinds: [HookKind] {
        HookKind.allCases.filter { kind in
            switch kind {
            case .exec: exec != nil
            case .webhook: webhook != nil
            case .ntfy: ntfy != nil
            }
        }
    }
}

/// The notification hooks a node runs. `alert` runs on a contact's node when an alert arrives and when it is
/// resolved (`--on-alert-exec`, `--on-alert-webhook`, `--on-alert-ntfy`); without `details`, it learns only
/// the alert's id, who sent it, why, and when: a notification service or a log should not hold whom a friend
/// was meeting. `reminder` warns the user of this node before a deadline and when a check-in is overdue
/// (`--on-reminder-exec`, `--on-reminder-webhook`, `--on-reminder-ntfy`), never with a detail of the match.
public struct HookConfiguration: Sendable, Equatable {
    public var alert: HookTargets
    public var reminder: HookTargets
    public var details: Bool

    public init(alert: HookTargets = HookTargets(), reminder: HookTargets = HookTargets(), details: Bool = false) {
        self.alert = alert
        self.reminder = reminder
        self.details = details
    }

    /// Where an event's notification goes: the user's own warnings to `reminder`, the rest to `alert`.
    func targets(for event: HookEvent) -> HookTargets {
        event.warnsTheUser ? reminder : alert
    }
}

/// A kind of notification hook; the raw value is the name a job row records and the metrics' label.
enum HookKind: String, Sendable, CaseIterable {
    case exec
    case webhook
    case ntfy
}

/// The hooks in force: the configuration's at start, replaced by a reload. Jobs already queued run with
/// the hooks in force when they run.
final class CurrentHooks: Sendable {
    private let hooks: Mutex<HookConfiguration>

    init(_ hooks: HookConfiguration) {
        self.hooks = Mutex(hooks)
    }

    var value: HookConfiguration { hooks.withLock { $0 } }

    func replace(with new: HookConfiguration) {
        hooks.withLock { $0 = new }
    }
}
