import Foundation
import MeetupControl
@testable import MeetupNode
import Testing

/// `--proxy socks5h://HOST:PORT`: the courier's connections go through a SOCKS5 proxy (here a small one the
/// test starts, Tests/Interop/socks_proxy.py), which resolves names itself, as Tor does for `.onion`.
@Suite("SOCKS5 proxy, for real", .serialized)
struct ProxyTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/socks_proxy.py").path

    /// The proxy's connections, as asked: host (a name stays a name) and port.
    static func connections(_ log: String) -> [(host: String, port: Int)] {
        jsonLines(log).compactMap { line in
            guard let host = line["host"] as? String, let port = line["port"] as? Int else { return nil }
            return (host, port)
        }
    }

    @Test("every envelope goes through the proxy, an .onion contact's too; with --proxy-only-onion, only the .onion ones")
    func throughTheProxy() throws {
        for onlyOnion in [false, true] {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("meetup-proxy-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let log = directory + "/proxy.jsonl"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            // Carol is reached only by a name that no resolver knows: only the proxy can take the user's node there.
            let onion = "carolcarolcarolcarolcarolcarolcarolcarolcarolcarolcaro.onion"
            let carolPort = try freePort()
            let proxyPort = try freePort()
            let proxy = try Helper(["python3", Self.script, "--port", "\(proxyPort)", "--log", log, "--map", "\(onion)=127.0.0.1"])
            let carol = try Daemon(port: carolPort, extraArguments: ["--advertise", "http://\(onion):\(carolPort)"])
            let dave = try Daemon()
            let user = try Daemon.withPINs(
                extraArguments: ["--proxy", "socks5h://127.0.0.1:\(proxyPort)"] + (onlyOnion ? ["--proxy-only-onion"] : []))
            try pair(user, as: "Ulysse", with: carol, as: "Carol")
            try pair(user, as: "Ulysse", with: dave, as: "Dave")
            let plan = try user.arm(["--match", "Kiwi", "--place", "Cafe", "--every", "2s", "--grace", "1s", "--for", "1h"])
            for (name, node) in [("Carol", carol), ("Dave", dave)] {
                let alert = try waitFor(15) { try node.receivedAlerts().first }
                #expect(alert?.plan == plan.plan, "\(name) did not get the alert (only onion: \(onlyOnion))")
            }
            let delivered = try waitFor(10) { () -> [DeliverySummary]? in
                let deliveries = try user.plan(plan.plan).alerts.first?.deliveries ?? []
                return deliveries.count == 2 && deliveries.allSatisfy { $0.state == "delivered" } ? deliveries : nil
            }
            #expect(delivered != nil, "the receipts did not come back through the proxy")
            let asked = Self.connections(log)
            #expect(asked.contains { $0.host == onion && $0.port == carolPort }, "\(asked)")
            let davePort = try dave.port
            let toDave = asked.filter { $0.port == davePort }
            if onlyOnion {
                #expect(toDave.isEmpty, "Dave's endpoint is not an onion: it goes direct, not through the proxy")
                #expect(asked.allSatisfy { $0.host == onion }, "\(asked)")
            } else {
                #expect(!toDave.isEmpty && toDave.allSatisfy { $0.host == "127.0.0.1" }, "\(asked)")
            }
            print("proxy (only onion: \(onlyOnion)): \(asked.count) connection(s) asked, \(toDave.count) to Dave's port")
            _ = proxy
        }
    }
}
