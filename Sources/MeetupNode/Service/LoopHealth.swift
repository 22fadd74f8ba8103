import Foundation
import GRDB
import Synchronization

/// The node's long-running loops, as the log, `/healthz` and `status` name them.
enum NodeLoop: String, Sendable, CaseIterable {
    case scheduler
    case courier
    case hooks
    case watchdog
}

/// Which loops are failing with an error of the moment (disk full, I/O, busy), since when and how often.
/// A failing loop keeps its work queued and tries again with capped backoff; this is what tells the
/// operator, without a log line per attempt.
final class LoopHealth: Sendable {
    struct Failing: Sendable, Equatable {
        var since: Date
        var failures: Int
        /// What the last failure said, for the log and `/healthz`: never a value from the database.
        var reason: String
    }

    /// A loop failing for longer than this fails `/healthz` and shows in `status`.
    static let reportAfter: TimeInterval = 60
    /// The delay before the next pass of a failing loop: 0.5 s, doubling, at most 10 s, so that an alert
    /// goes out within seconds of the disk having room again, and the log gets at most 6 lines a minute.
    static let retryBackoff = Backoff(base: 0.5, cap: 10)

    private let failing = Mutex<[NodeLoop: Failing]>([:])
    /// When each loop last completed a pass, for `/healthz`.
    private let lastPasses = Mutex<[NodeLoop: Date]>([:])

    /// Records a failed pass and returns the run of failures so far.
    func failed(_ loop: NodeLoop, reason: String, at now: Date) -> Failing {
        failing.withLock { failing in
            var entry = failing[loop] ?? Failing(since: now, failures: 0, reason: reason)
            entry.failures += 1
            entry.reason = reason
            failing[loop] = entry
            return entry
        }
    }

    /// Records a pass that went through at `now`; returns the run of failures it ended, if there was one.
    func passed(_ loop: NodeLoop, at now: Date) -> Failing? {
        notePass(loop, at: now)
        return failing.withLock { $0.removeValue(forKey: loop) }
    }

    /// A completed pass, without touching the failures (the health tests' way to move time on).
    func notePass(_ loop: NodeLoop, at now: Date) {
        lastPasses.withLock { $0[loop] = now }
    }

    func lastPass(of loop: NodeLoop) -> Date? {
        lastPasses.withLock { $0[loop] }
    }

    var snapshot: [NodeLoop: Failing] { failing.withLock { $0 } }
}

extension Node {
    /// What is wrong with the loops and the queues, for `/healthz` and `status`: loops failing for more than
    /// a minute, notices set aside and running plans off the schedule.
    func workProblems(now: Date) -> [String] {
        var problems: [String] = []
        for (loop, failing) in loopHealth.snapshot.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let seconds = now.timeIntervalSince(failing.since)
            if seconds > LoopHealth.reportAfter {
                problems.append(
                    "\(loop.rawValue): failing for \(Int(seconds)) s, \(failing.failures) tries (\(failing.reason)); its work is still queued")
            }
        }
        if let setAside = try? store.setAsideWork() {
            if setAside.notices > 0 {
                problems.append("outbox: \(setAside.notices) damaged notice(s) set aside, not sent")
            }
            if setAside.plans > 0 {
                problems.append("scheduler: \(setAside.plans) running plan(s) off the schedule (damaged rows)")
            }
        } else {
            problems.append("database: cannot count set-aside work")
        }
        return problems
    }
}

extension Store {
    /// Whether `error` says the row itself is damaged (it cannot be opened or parsed, and will fail the
    /// same way every time), as opposed to an error of the moment (disk full, I/O, busy) after which the
    /// same work must be tried again.
    static func isDamage(_ error: any Error) -> Bool {
        switch error {
        case let error as StoreError:
            switch error {
            case .sealedValueDamaged, .damagedRow, .unencodable: return true
            case .notADatabase, .futureSchema, .cannotOpen: return false
            }
        case is DecodingError, is EncodingError, is RowDecodingError:
            return true
        case let error as DatabaseError:
            // A row that breaks the schema's rules, or is too large to bind, fails again on every try.
            return [.SQLITE_CONSTRAINT, .SQLITE_MISMATCH, .SQLITE_TOOBIG].contains(error.resultCode)
        default:
            return false
        }
    }

    /// An error as the log may show it: SQLite's code and message, our own errors' descriptions (which
    /// name tables, never values), else only the error's type.
    static func describeForLog(_ error: any Error) -> String {
        switch error {
        case let error as DatabaseError: error.message ?? "\(error.resultCode)"
        case let error as StoreError: error.description
        default: "\(type(of: error))"
        }
    }
}
