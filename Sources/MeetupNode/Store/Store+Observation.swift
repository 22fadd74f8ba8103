import GRDB

/// The parts of the store a loop waits on.
enum StoreRegion: CaseIterable {
    /// Plans: their timers (the scheduler).
    case plans
    /// Notices and the outbox (the courier).
    case outbox
    /// Hook jobs (the hook runner).
    case hookJobs
    /// Watched plans (the watchdog).
    case watches

    fileprivate var tables: [String] {
        switch self {
        case .plans: ["plan"]
        case .outbox: ["notice", "outbox"]
        case .hookJobs: ["hook_job"]
        case .watches: ["watch"]
        }
    }
}

extension Store {
    /// Calls `changed` after each committed transaction that modified `region`, until the result is
    /// cancelled or released. It runs on the writer's queue: it must be quick.
    func observeCommits(
        to region: StoreRegion, onError: @escaping @Sendable (any Error) -> Void, _ changed: @escaping @Sendable () -> Void
    ) -> AnyDatabaseCancellable {
        DatabaseRegionObservation(tracking: region.tables.map { Table($0) })
            .start(in: writer, onError: onError, onChange: { _ in changed() })
    }
}
