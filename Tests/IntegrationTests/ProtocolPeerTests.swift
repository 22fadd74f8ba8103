import Foundation
import MeetupControl
import Testing

/// docs/PROTOCOL.md is enough to talk to meetupd: `Tests/Interop/protocol_peer.py`, a PyNaCl peer written
/// from the document alone, sends alerts a real node accepts and shows, and opens and verifies what a real
/// node sends it.
@Suite("an independent Python peer, both ways", .serialized)
struct ProtocolPeerTests {
    @Test("a Python peer's alert is accepted and shown; replays, strangers, wrong recipients and expired ones are refused")
    func pythonToSwift() throws {
        let node = try Daemon()
        let directory = (node.home as NSString).deletingLastPathComponent
        let peer = ProtocolPeer(directory: directory)
        let peerCard = try peer.card(endpoint: "http://127.0.0.1:9")
        try node.addContact("Py", card: peerCard)
        let nodeCard = try node.card

        let sent = try peer.run(["send-alert", "--state", peer.state, "--to", nodeCard, "--pseudonym", "Sam", "--place", "Gare du Nord",
                                 "--reason", "missed", "--lat", "48.88", "--lon", "2.355", "--times", "2"])
        #expect(sent.map { $0["status"] as? Int } == [200, 200])
        #expect(sent.map { $0["receipt_valid"] as? Bool } == [true, true], "the node's receipts verify in Python")
        #expect(sent.map { ($0["receipt"] as? [String: Any])?["duplicate"] as? Bool } == [false, true])
        let alerts = try node.receivedAlerts()
        #expect(alerts.count == 1, "a replayed envelope is shown once")
        let alert = try #require(alerts.first)
        #expect(alert.from == "Py")
        #expect(alert.reason == "missed")
        #expect(alert.match.pseudonym == "Sam")
        #expect(alert.place == "Gare du Nord")

        let stranger = ProtocolPeer(directory: directory)
        _ = try stranger.card(endpoint: "http://127.0.0.1:9")
        let refused = try stranger.run(["send-alert", "--state", stranger.state, "--to", nodeCard])
        #expect(refused.first?["status"] as? Int == 403)
        #expect((refused.first?["error"] as? [String: Any])?["code"] as? String == "unknown-sender")

        let other = try Daemon()
        let misdirected = try peer.run(["send-alert", "--state", peer.state, "--to", nodeCard, "--sign-for", try other.card])
        #expect((misdirected.first?["error"] as? [String: Any])?["code"] as? String == "bad-signature")
        let expired = try peer.run(["send-alert", "--state", peer.state, "--to", nodeCard, "--expired"])
        #expect(expired.first?["status"] as? Int == 410)

        // An oversized body is refused before it is read whole, and the node carries on.
        let big = directory + "/big.bin"
        try Data(count: 9 << 20).write(to: URL(fileURLWithPath: big))
        let port = try node.port
        let oversized = try run("/usr/bin/env", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--data-binary", "@" + big,
                                                 "http://127.0.0.1:\(port)/v1/envelope"])
        #expect(oversized.stdout == "413")
        #expect(try node.receivedAlerts().count == 1, "nothing refused is shown")
        let envelopes = try node.status().envelopes
        #expect(envelopes.accepted == 1)
        #expect(envelopes.refused == ["replayed": 1, "unknown-sender": 1, "bad-signature": 1, "expired": 1, "too-large": 1])
    }

    @Test("a peer that knows nothing of mailboxes delivers to a mailbox endpoint as an ordinary POST, and the owner fetches it")
    func olderPeerToMailbox() throws {
        let host = try Daemon()
        let owner = try Daemon(extraArguments: MailboxTests.unreachable)
        try pair(host, as: "Asso", with: owner, as: "Olga")
        #expect(try host.ctl(["mailbox", "grant", "Olga"]).status == 0)
        #expect(try owner.ctl(["mailbox", "use", "Asso", "--only"]).status == 0)
        let peer = ProtocolPeer(directory: (owner.home as NSString).deletingLastPathComponent)
        try owner.addContact("Py", card: try peer.card(endpoint: "http://127.0.0.1:9"))
        let sent = try peer.run(["send-alert", "--state", peer.state, "--to", try owner.card, "--pseudonym", "Sam", "--place", "Gare du Nord"])
        // The host's answer is its deposit receipt, which this peer does not take for the owner's: it would retry.
        #expect(sent.first?["status"] as? Int == 202, "\(sent)")
        let alert = try waitFor(35) { try owner.receivedAlerts().first }
        #expect(alert?.from == "Py" && alert?.match.pseudonym == "Sam" && alert?.place == "Gare du Nord")
    }

    @Test("a Swift node's alert opens and verifies in the Python peer, and the Python receipt marks it delivered")
    func swiftToPython() throws {
        let user = try Daemon.withPINs()
        let directory = (user.home as NSString).deletingLastPathComponent
        let peer = ProtocolPeer(directory: directory)
        let port = try freePort()
        try user.addContact("Py", card: try peer.card(endpoint: "http://127.0.0.1:\(port)"))
        let inbox = directory + "/py-inbox.jsonl"
        let server = try Helper(["python3", ProtocolPeer.script, "serve", "--state", peer.state, "--port", "\(port)",
                                 "--trust", try user.card, "--out", inbox])
        let plan = try user.arm(["--match", "Robin", "--place", "Canal", "--geo", "45.76,4.83", "--every", "1m", "--for", "1h"])
        #expect(try user.ctl(["panic", plan.plan]).status == 0)
        let line = try #require(waitFor(5) { jsonLines(inbox).first }, "the Python peer received nothing")
        #expect(line["type_name"] as? String == "alert")
        let body = try #require(line["body"] as? [String: Any])
        let payload = try #require(body["payload"] as? [String: Any])
        #expect(payload["plan"] as? String == plan.plan)
        #expect(payload["reason"] as? String == "panic")
        #expect((payload["match"] as? [String: Any])?["pseudonym"] as? String == "Robin")
        #expect((payload["place"] as? [String: Any])?["name"] as? String == "Canal")
        #expect(try waitFor(5) { try user.plan(plan.plan).alerts.first?.deliveries.first?.state == "delivered" })
        _ = server
    }
}
