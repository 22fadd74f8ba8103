import Foundation
import MeetupControl
@testable import MeetupNode
import Testing

/// Three network namespaces the test makes (root, as in CI): the mailbox host on a bridge at 10.9.0.1, the
/// user's node and the contact's in namespaces of their own on that bridge, each listening only on its own
/// loopback, as behind a home router: nothing can connect to them, while they reach the host.
final class Namespaces {
    let names: [String]
    let made: Bool
    let why: String

    init(prefix: String) {
        let tag = String(UUID().uuidString.prefix(6)).lowercased()
        names = ["h", "u", "c"].map { "mt\(prefix)\($0)\(tag)" }
        var steps: [[String]] = names.map { ["netns", "add", $0] }
        let (host, user, contact) = (names[0], names[1], names[2])
        steps += [
            ["-n", host, "link", "set", "lo", "up"],
            ["-n", host, "link", "add", "br0", "type", "bridge"],
            ["-n", host, "addr", "add", "10.9.0.1/24", "dev", "br0"],
            ["-n", host, "link", "set", "br0", "up"],
        ]
        for (index, namespace) in [user, contact].enumerated() {
            let address = "10.9.0.\(index + 2)/24"
            steps += [
                ["link", "add", "v\(tag)\(index)", "netns", namespace, "type", "veth", "peer", "name", "b\(index)", "netns", host],
                ["-n", host, "link", "set", "b\(index)", "master", "br0"],
                ["-n", host, "link", "set", "b\(index)", "up"],
                ["-n", namespace, "link", "set", "lo", "up"],
                ["-n", namespace, "addr", "add", address, "dev", "v\(tag)\(index)"],
                ["-n", namespace, "link", "set", "v\(tag)\(index)", "up"],
            ]
        }
        var failure: String?
        for step in steps {
            guard let result = try? run("/usr/sbin/ip", step), result.status == 0 else {
                failure = "ip \(step.joined(separator: " ")) failed: " + ((try? run("/usr/sbin/ip", step))?.stderr ?? "cannot run ip")
                break
            }
        }
        made = failure == nil
        why = failure ?? ""
    }

    deinit {
        for name in names { _ = try? run("/usr/sbin/ip", ["netns", "del", name]) }
    }

    /// Runs the daemon inside `namespace` (ip netns exec execs it: the process is still the daemon).
    func wrapper(_ namespace: String) -> [String] { ["/usr/sbin/ip", "netns", "exec", namespace] }
}

@Suite("mailboxes across network namespaces", .serialized)
struct MailboxNamespaceTests {
    @Test("nodes nobody can reach: the alert goes through the contact's mailbox, the ack through the user's; stored, delivered, acked")
    func unreachableNodes() throws {
        let namespaces = Namespaces(prefix: "m")
        guard namespaces.made else {
            // The loopback test (MailboxTests) runs the same exchange with unreachable advertised endpoints.
            print("mailbox namespace test not run: network namespaces cannot be made here (\(namespaces.why)); MailboxTests covers it on loopback")
            return
        }
        let (hostNS, userNS, contactNS) = (namespaces.names[0], namespaces.names[1], namespaces.names[2])
        let port = 7744
        let host = try Daemon(
            listen: "10.9.0.1:\(port)", extraArguments: ["--advertise", "http://10.9.0.1:\(port)"], wrapper: namespaces.wrapper(hostNS))
        // Each listens on its own loopback only: its advertised address refuses every connection.
        let user = try Daemon(extraArguments: ["--advertise", "http://10.9.0.2:\(port)"], wrapper: namespaces.wrapper(userNS))
        try user.setPINs()
        let carol = try Daemon(extraArguments: ["--advertise", "http://10.9.0.3:\(port)"], wrapper: namespaces.wrapper(contactNS))
        // Nothing reaches the user's node or the contact's from the host's namespace; both reach the host.
        for address in ["10.9.0.2", "10.9.0.3"] {
            let probe = try run("/usr/sbin/ip", ["netns", "exec", hostNS, "curl", "-s", "-m", "2", "-o", "/dev/null", "-w", "%{http_code}", "http://\(address):\(port)/healthz"])
            #expect(probe.stdout == "000", "\(address) answered from the host's namespace: \(probe.stdout)")
        }
        let reach = try run("/usr/sbin/ip", ["netns", "exec", contactNS, "curl", "-s", "-m", "2", "-o", "/dev/null", "-w", "%{http_code}", "http://10.9.0.1:\(port)/healthz"])
        #expect(reach.stdout == "200", "the host is not reachable from the contact's namespace: \(reach.stdout)")

        try pair(host, as: "Asso", with: user, as: "Ulysse")
        try pair(host, as: "Asso", with: carol, as: "Carol")
        #expect(try host.ctl(["mailbox", "grant", "Ulysse"]).status == 0)
        #expect(try host.ctl(["mailbox", "grant", "Carol"]).status == 0)
        #expect(try user.ctl(["mailbox", "use", "Asso"]).status == 0)
        #expect(try carol.ctl(["mailbox", "use", "Asso"]).status == 0)
        try pair(user, as: "Ulysse", with: carol, as: "Carol")

        // Carol's node is paused when the check-in is missed: the alert waits at the host, stored.
        kill(carol.process.processIdentifier, SIGSTOP)
        let plan = try user.arm(["--match", "Kiwi", "--place", "Cafe", "--every", "2s", "--grace", "1s", "--for", "1h"])
        let due = try #require(plan.nextDeadline).addingTimeInterval(TimeInterval(plan.graceSeconds))
        #expect(try waitFor(15) { try MailboxTests.states(user, plan.plan) == ["stored"] ? true : nil } == true)
        kill(carol.process.processIdentifier, SIGCONT)
        let alert = try waitFor(35) { try carol.receivedAlerts().first }
        #expect(alert?.plan == plan.plan && alert?.match.pseudonym == "Kiwi")
        #expect(try waitFor(35) { try MailboxTests.states(user, plan.plan) == ["delivered"] ? true : nil } == true)
        let ack = try carol.ctl(["alerts", "ack", try #require(alert).id])
        #expect(ack.status == 0, "\(ack.stderr)")
        #expect(try waitFor(35) { try MailboxTests.states(user, plan.plan) == ["acked"] ? true : nil } == true)
        _ = try user.ctl(["done", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n")

        // Latency through the mailbox, the contact's node running: 20 missed deadlines, one after the other.
        var latencies: [Double] = []
        for _ in 0..<20 {
            let before = try carol.receivedAlerts().count
            let next = try user.arm(["--match", "Kiwi", "--place", "Cafe", "--every", "1s", "--grace", "1s", "--for", "1h"])
            let deadline = try #require(next.nextDeadline).addingTimeInterval(TimeInterval(next.graceSeconds))
            guard try waitFor(35, poll: 0.02, { try carol.receivedAlerts().count > before ? true : nil }) == true else {
                Issue.record("an alert did not arrive through the mailbox")
                break
            }
            latencies.append(Date().timeIntervalSince(deadline))
            _ = try user.ctl(["done", next.plan, "--pin-stdin"], stdin: Daemon.pin + "\n")
        }
        let sorted = latencies.sorted()
        if let max = sorted.last {
            let median = sorted[sorted.count / 2]
            print("alert through a mailbox, deadline + grace to the contact's node: p50 \(String(format: "%.2f", median)) s, max \(String(format: "%.2f", max)) s over \(sorted.count) runs")
            #expect(max < TimeInterval(MailboxFetcher.longPoll) + 5, "an alert took \(max) s through the mailbox")
        }
        _ = due
    }
}
