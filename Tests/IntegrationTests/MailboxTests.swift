import Foundation
import MeetupControl
@testable import MeetupNode
import MeetupProtocol
import Testing

/// Mailboxes on loopback (docs/PROTOCOL.md, "Mailboxes"): the user's node and the contact's advertise an
/// endpoint nobody answers on, as behind NAT; the host, a contact of both, keeps their mailboxes. The same
/// exchange in network namespaces, where nothing can reach them at all, is MailboxNamespaceTests.
@Suite("mailboxes, for real", .serialized)
struct MailboxTests {
    /// Nothing listens there: connections are refused at once, as to a node behind a home router.
    static let unreachable = ["--advertise", "http://127.0.0.1:1"]

    /// POSTs `body` with curl, as any sender would: the HTTP status and the answer's body (binary for a
    /// deposit receipt, so through a file, not a string).
    static func post(_ url: String, _ body: String) throws -> (status: Int, body: Data) {
        let answer = FileManager.default.temporaryDirectory.appendingPathComponent("meetup-answer-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: answer) }
        let result = try run("/usr/bin/env", ["curl", "-s", "-o", answer, "-w", "%{http_code}", "--data-binary", "@-", url], stdin: body)
        return (Int(result.stdout) ?? 0, FileManager.default.contents(atPath: answer) ?? Data())
    }

    /// The state of Carol's copy of the plan's first alert, as the user's `status` shows it (the host, a
    /// contact too, gets its copy directly).
    static func states(_ user: Daemon, _ plan: String) throws -> [String] {
        try user.plan(plan).alerts.first?.deliveries.filter { $0.contact == "Carol" }.map(\.state) ?? []
    }

    @Test("a missed check-in reaches an unreachable contact through its mailbox; stored, then delivered, then acked through the user's mailbox")
    func throughMailboxes() throws {
        let host = try Daemon()
        let user = try Daemon(extraArguments: Self.unreachable)
        try user.setPINs()
        let firstCarol = try Daemon(extraArguments: Self.unreachable)
        try pair(host, as: "Asso", with: user, as: "Ulysse")
        try pair(host, as: "Asso", with: firstCarol, as: "Carol")
        #expect(try host.ctl(["mailbox", "grant", "Ulysse"]).status == 0)
        #expect(try host.ctl(["mailbox", "grant", "Carol", "--messages", "10"]).status == 0)
        let refused = try user.ctl(["mailbox", "use", "Nobody"])
        #expect(refused.status != 0 && refused.stderr.contains("no contact named \"Nobody\""), "\(refused.stderr)")
        let used = try user.json(["mailbox", "use", "Asso"], as: MailboxStatus.self)
        #expect(used.uses?.host == "Asso" && used.uses?.only == false)
        let carolUses = try firstCarol.json(["mailbox", "use", "Asso", "--only"], as: MailboxStatus.self)
        #expect(carolUses.uses?.only == true)
        // Cards exchanged now carry the mailboxes: the user's after its own endpoint, Carol's alone.
        try pair(user, as: "Ulysse", with: firstCarol, as: "Carol")
        let carolCard = try user.json(["contacts", "show", "Carol"], as: ContactInfo.self)
        #expect(carolCard.endpoints?.count == 1 && carolCard.endpoints?.first?.contains("/v1/mailbox/") == true)
        #expect(try firstCarol.json(["contacts", "show", "Ulysse"], as: ContactInfo.self).endpoints?.count == 2)

        // Carol's node is off when the check-in is missed: the alert waits at the host, stored.
        let carolHome = firstCarol.home
        _ = firstCarol.stop()
        let plan = try user.arm(["--match", "Kiwi", "--place", "Cafe", "--every", "2s", "--grace", "1s", "--for", "1h"])
        let stored = try waitFor(15) { try Self.states(user, plan.plan) == ["stored"] ? true : nil }
        #expect(stored == true, "status shows \((try? Self.states(user, plan.plan)) ?? []), not stored")
        let hosted = try host.json(["mailbox", "status"], as: MailboxStatus.self).hosts.first { $0.contact == "Carol" }
        // The alert, and maybe the user's card, sent when it added Carol, waiting for Carol's retry.
        #expect((hosted?.waitingMessages ?? 0) >= 1, "\(String(describing: hosted))")

        // Carol's node comes back: it fetches the alert, and its receipt reaches the user through its mailbox.
        let carol = try Daemon(home: carolHome, extraArguments: Self.unreachable)
        defer { withExtendedLifetime(firstCarol) {} }
        let alert = try waitFor(15) { try carol.receivedAlerts().first }
        #expect(alert?.plan == plan.plan && alert?.match.pseudonym == "Kiwi", "Carol did not get the alert")
        let delivered = try waitFor(15) { try Self.states(user, plan.plan) == ["delivered"] ? true : nil }
        #expect(delivered == true, "status shows \((try? Self.states(user, plan.plan)) ?? []), not delivered")
        let ack = try carol.ctl(["alerts", "ack", try #require(alert).id])
        #expect(ack.status == 0, "\(ack.stderr)")
        let acked = try waitFor(15) { try Self.states(user, plan.plan) == ["acked"] ? true : nil }
        #expect(acked == true, "status shows \((try? Self.states(user, plan.plan)) ?? []), not acked")
        let status = try carol.json(["mailbox", "status"], as: MailboxStatus.self)
        #expect(status.uses?.lastFetchAt != nil && status.uses?.lastError == nil, "\(String(describing: status.uses))")
    }

    @Test("a mailbox over its limit refuses with mailbox-full and keeps what it had; a host killed with -9 keeps what it accepted")
    func limitsAndKill() throws {
        let firstHost = try Daemon()
        let owner = try Daemon(extraArguments: Self.unreachable)
        try pair(firstHost, as: "Asso", with: owner, as: "Olga")
        #expect(try firstHost.ctl(["mailbox", "grant", "Olga", "--messages", "2"]).status == 0)
        #expect(try owner.ctl(["mailbox", "use", "Asso", "--only"]).status == 0)
        let endpoint = try #require(try owner.json(["mailbox", "status"], as: MailboxStatus.self).uses?.endpoint)
        _ = owner.stop()
        // Anyone may deposit: here, three blobs, as a sender would POST them.
        var answers: [(status: Int, body: Data)] = []
        for n in 0..<3 {
            answers.append(try Self.post(endpoint + "/v1/envelope", "sealed envelope \(n)"))
        }
        // The host's card, sent to Olga when it added her, may wait in her mailbox already: deposits are taken
        // until it holds two, then refused.
        #expect(answers.first?.status == 202 && answers.last?.status == 507, "\(answers.map(\.status))")
        #expect(try firstHost.json(["mailbox", "status"], as: MailboxStatus.self).hosts.first?.waitingMessages == 2)
        // The independent peer, from the document alone, checks the host's signed deposit receipt.
        let peer = ProtocolPeer(directory: (owner.home as NSString).deletingLastPathComponent)
        let checked = try peer.run([
            "check-deposit", "--endpoint", endpoint, "--envelope", Data("sealed envelope 0".utf8).hexString,
            "--receipt", try #require(answers.first).body.hexString,
        ])
        #expect(checked.first?["valid"] as? Bool == true, "\(checked)")
        let full = try Self.post(endpoint + "/v1/envelope", "sealed envelope 2")
        let refusal = String(decoding: full.body, as: UTF8.self)
        #expect(full.status == 507 && refusal.contains("\"mailbox-full\""), "\(refusal)")
        let again = try Self.post(endpoint + "/v1/envelope", "sealed envelope 0")
        #expect(again.status == 202, "the same bytes again are the first deposit, not a new one")
        firstHost.kill9()
        let host = try Daemon(home: firstHost.home, port: try #require(URLComponents(string: endpoint)?.port), stopping: nil)
        defer { withExtendedLifetime(firstHost) {} }
        let hosted = try host.json(["mailbox", "status"], as: MailboxStatus.self).hosts.first
        #expect(hosted?.waitingMessages == 2 && hosted?.messageLimit == 2, "\(String(describing: hosted))")
    }
}
