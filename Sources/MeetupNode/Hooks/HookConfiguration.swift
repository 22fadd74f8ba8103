import Synchronization

/// The notification hooks a contact's node runs when an alert arrives (`--on-alert-exec`,
/// `--on-alert-webhook`, `--on-alert-ntfy`). Without `details`, a hook learns only the alert's id, who
/// sent it, why, and when: a notification service or a log should not hold whom a friend was meeting.
public struct HookConfiguration: Sendable, Equatable {
    public var exec: String?
    public var webhook: String?
    public var ntfy: String?
    public var details: Bool

    public init(exec: String? = nil, webhook: String? = nil, ntfy: String? = nil, details: Bool = false) {
        self.exec = exec
        self.webhook = webhook
        self.ntfy = ntfy
        self.details = details
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
