import GRDB
import Logging
import Synchronization

/// Each loop's wake-up, nudged by the commits that concern it: the store reports every transaction that
/// changed a loop's tables, so that no writer has to remember whom to wake.
final class NodeWakeups: Sendable {
    let scheduler = SchedulerWakeup()
    let courier = SchedulerWakeup()
    let hooks = SchedulerWakeup()
    let watchdog = SchedulerWakeup()
    /// The mailbox fetcher's: nudged by `mailbox use` and `mailbox drop`, not by commits (its own writes
    /// would wake it).
    let mailbox = SchedulerWakeup()
    private let observations = Mutex<[AnyDatabaseCancellable]>([])

    /// Starts watching `store`'s commits, for as long as this object lives: the node holds it, and must outlive
    /// its services (meetupd keeps it until its service group returns). A region that cannot be observed is
    /// logged; its loop still passes on its own timers and every scheduler tick.
    func observe(_ store: Store, logger: Logger) {
        let started = StoreRegion.allCases.map { region in
            let wakeup = self[region]
            return store.observeCommits(
                to: region,
                onError: { error in
                    logger.critical("commits cannot be observed", metadata: ["region": "\(region)", "reason": "\(Store.describeForLog(error))"])
                },
                { wakeup.nudge() })
        }
        observations.withLock { $0 = started }
    }

    subscript(region: StoreRegion) -> SchedulerWakeup {
        switch region {
        case .plans: scheduler
        case .outbox: courier
        case .hookJobs: hooks
        case .watches: watchdog
        }
    }
}
