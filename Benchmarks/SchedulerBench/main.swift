// `make bench`: the ceilings (Ceilings.swift), then the scheduler's cost as the number of armed plans grows. Not a test: it prints numbers and
// ratios measured in the same run, and asserts nothing. It reaches the store through `package` access, so it
// builds in release like everything else.
import CheckInCore
import Foundation
import GRDB
import Logging
import MeetupControl
import MeetupCrypto
import MeetupNode
import Synchronization

/// A clock the bench sets by hand.
final class BenchClock: WallClock {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func set(_ date: Date) { current.withLock { $0 = date } }
    func sleep(until deadline: Date) async throws {}
}

func residentKiB() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

struct Measurement {
    var plans: Int
    var insertPerPlan: Double
    var wakeQuery: Double
    var dueBatch: Double
    var bytesPerPlan: Double
    var rssGrowthKiB: Int
}

/// Arms `count` plans in `node` (in transactions of 5,000, through the real record and sealing code), their
/// starts spread over a day from `start`, so that wakes are spread too.
func populate(_ node: Node, count: Int, start: Date) throws {
    let store = node.store
    var next = 0
    while next < count {
        let batch = min(5_000, count - next)
        try store.writer.write { db in
            for index in next ..< next + batch {
                let id = "b\(index)"
                let plan = Plan(
                    id: id, match: try MatchDetails(pseudonym: "match \(index)"), place: try Place(name: "place \(index)"),
                    schedule: try Schedule(
                        start: start.addingTimeInterval(TimeInterval(index % 86_400)), every: 900, grace: 300,
                        until: start.addingTimeInterval(TimeInterval(index % 86_400 + 10_800))),
                    contacts: [], createdAt: start)
                let state = CheckInState(schedule: plan.schedule)
                let details = try store.cipher.seal(
                    PlanDetails(match: plan.match, place: plan.place, contacts: []), for: PlanRecord.detailsColumn(id))
                try PlanRecord(
                    id: id, state: state, wakeAt: node.machine.nextTimer(of: state)?.instant, createdAt: start, details: details
                ).insert(db)
            }
        }
        next += batch
    }
}

/// Arms `count` plans, then times the scheduler's two queries and one batch of due plans.
func measure(count: Int) throws -> Measurement {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("meetup-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let clock = BenchClock()
    let node = try Node(
        configuration: NodeConfiguration(
            home: NodeHome(path: directory.path, isExplicit: false), listen: ListenAddress(host: "127.0.0.1", port: 0)),
        clock: clock, logger: Logger(label: "bench"))
    let store = node.store
    let rssBefore = residentKiB()
    let start = clock.now
    let insert = try seconds { try populate(node, count: count, start: start) }
    let rssAfter = residentKiB()
    let rounds = 2_000
    let wake = try seconds { for _ in 0 ..< rounds { _ = try store.earliestWake() } } / Double(rounds)
    // Time moves 256 s on: 256 plans (one per second of start) fall due, and one batch advances them.
    clock.set(start.addingTimeInterval(255.5))
    let due = try seconds {
        _ = try store.advanceDue(to: clock.now, limit: Scheduler.batchSize, node.transitions)
    }
    try store.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    let size = (try FileManager.default.attributesOfItem(atPath: directory.path + "/meetup.sqlite")[.size] as? Int) ?? 0
    return Measurement(
        plans: count, insertPerPlan: insert / Double(count), wakeQuery: wake, dueBatch: due,
        bytesPerPlan: Double(size) / Double(count), rssGrowthKiB: rssAfter - rssBefore)
}

// `meetup-bench populate HOME N`: a node home with N plans armed an hour from now and after (for
// scripts/bench_restart.py, which starts the real meetupd on it), then nothing else. `meetup-bench
// ceilings`: the ceilings alone (scripts/bench_heartbeat.py sets its figure beside them).
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "ceilings" {
    try Ceilings.measure().print()
    exit(0)
}
if arguments.first == "populate" {
    guard arguments.count == 3, let count = Int(arguments[2]), count >= 0 else {
        FileHandle.standardError.write(Data("usage: meetup-bench populate HOME N\n".utf8))
        exit(2)
    }
    let node = try Node(
        configuration: NodeConfiguration(
            home: NodeHome(path: arguments[1], isExplicit: true), listen: ListenAddress(host: "127.0.0.1", port: 0)),
        clock: SystemClock(), logger: Logger(label: "bench"))
    let took = try seconds { try populate(node, count: count, start: Date().addingTimeInterval(3_600)) }
    print(String(format: "populate: %d plans in %.1f s", count, took))
    exit(0)
}

try Ceilings.measure().print()

let sizes = arguments.compactMap { Int($0) }
let counts = sizes.isEmpty ? [1_000, 100_000] : sizes
var results: [Measurement] = []
for count in counts {
    let result = try measure(count: count)
    results.append(result)
    print(String(
        format: "%8d plans: arm %.1f µs/plan, next-wake query %.1f µs, one due batch of %d %.1f ms, %.0f bytes/plan on disk, RSS +%d KiB",
        result.plans, result.insertPerPlan * 1e6, result.wakeQuery * 1e6, Scheduler.batchSize, result.dueBatch * 1e3,
        result.bytesPerPlan, result.rssGrowthKiB))
}
if let small = results.first, let large = results.last, large.plans > small.plans {
    print(String(
        format: "ratios %d→%d plans (×%.0f): next-wake query ×%.2f, due batch ×%.2f, bytes/plan ×%.2f",
        small.plans, large.plans, Double(large.plans) / Double(small.plans), large.wakeQuery / small.wakeQuery,
        large.dueBatch / small.dueBatch, large.bytesPerPlan / small.bytesPerPlan))
}
