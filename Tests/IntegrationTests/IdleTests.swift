import Foundation
import Testing

/// What an idle daemon costs, read from /proc: a resource check with generous bounds, not a timing.
@Suite("An idle meetupd")
struct IdleTests {
    /// CPU seconds (user + system) the process has used so far.
    static func cpuSeconds(of pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // The command name, in parentheses, may hold spaces: count fields after its closing parenthesis.
        let fields = try #require(stat.split(separator: ")").last).split(separator: " ")
        // Fields 14 and 15 of stat(5) (utime, stime) are the 12th and 13th after the name.
        let ticks = try #require(Double(fields[11])) + (try #require(Double(fields[12])))
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident memory in MiB.
    static func rssMiB(of pid: Int32) throws -> Double {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        let kib = try #require(Double(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
        return kib / 1024
    }

    @Test("over 40 s with no plan and no traffic, a node uses under 2 CPU seconds and its memory stays flat")
    func idleNodeSleeps() throws {
        let daemon = try Daemon()
        let pid = daemon.process.processIdentifier
        let cpuBefore = try Self.cpuSeconds(of: pid)
        let rssBefore = try Self.rssMiB(of: pid)
        // Past the scheduler's 30 s tick and the loops' first timeouts, where the old wake-up began to spin.
        Thread.sleep(forTimeInterval: 40)
        let cpu = try Self.cpuSeconds(of: pid) - cpuBefore
        let rssAfter = try Self.rssMiB(of: pid)
        print("idle meetupd over 40 s: \(cpu) CPU seconds, RSS \(rssBefore) → \(rssAfter) MiB")
        #expect(cpu < 2, "an idle node used \(cpu) CPU seconds in 40 s")
        #expect(rssAfter - rssBefore < 16, "RSS grew from \(rssBefore) to \(rssAfter) MiB while idle")
        #expect(daemon.process.isRunning)
    }
}
