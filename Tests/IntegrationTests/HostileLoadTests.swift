import Foundation
import Testing

/// The peer listener under an attacker's load, on real daemons: held connections past the file limit,
/// slowloris, huge bodies. The node stays up, its control API answers, and its alerts still go out.
@Suite("the peer listener under hostile load, for real", .serialized)
struct HostileLoadTests {
    @Test("with its file limit at 1,024, a node holding 1,100 idle connections keeps running, answers, and delivers a due alert")
    func heldConnections() throws {
        #expect(RawTCP.raiseFileLimit() >= 1_300, "the test process needs room for its own connections")
        let contact = try Daemon()
        let user = try Daemon(wrapper: ["/usr/bin/prlimit", "--nofile=1024:1024", "--"])
        try user.setPINs()
        try pair(user, as: "Ulysse", with: contact, as: "Carol")
        let limits = try String(contentsOfFile: "/proc/\(user.process.processIdentifier)/limits", encoding: .utf8)
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        #expect(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).first == "1024", "\(line)")

        let port = try user.port
        let held = try (0..<1_100).map { _ in try RawTCP(port: port) }
        Thread.sleep(forTimeInterval: 1)
        let started = Date()
        let status = try user.status()
        let latency = Date().timeIntervalSince(started)
        print("status with 1,100 held peer connections: \(String(format: "%.3f", latency)) s")
        #expect(status.nodeID.count == 16)
        let plan = try user.arm(["--match", "Kiwi", "--place", "Cafe", "--every", "2s", "--grace", "1s", "--for", "1h"])
        let alert = try waitFor(20) { try contact.receivedAlerts().first }
        #expect(alert?.plan == plan.plan, "the due alert reached the contact while the listener was flooded")
        #expect(user.process.isRunning, "meetupd died:\n\(user.log)")
        let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(user.process.processIdentifier)/fd").count
        print("meetupd file descriptors with 1,100 connections offered: \(open) of 1,024")
        #expect(open < 1_000)
        #expect(!user.log.contains("Too many open files"), "no accept error was left unhandled")
        withExtendedLifetime(held) {}
    }

    @Test("1,000 slowloris connections are closed within seconds, and the node answers meanwhile")
    func slowloris() throws {
        #expect(RawTCP.raiseFileLimit() >= 1_300)
        let user = try Daemon()
        let port = try user.port
        let connections = try (0..<1_000).map { _ in try RawTCP(port: port) }
        let started = Date()
        var closed = Set<Int>()
        var begun = Set<Int>()
        while closed.count < connections.count, Date().timeIntervalSince(started) < 60 {
            for (index, connection) in connections.enumerated() where !closed.contains(index) {
                // A request line, then a header line now and then, never the blank line that ends the head.
                let line = begun.contains(index) ? "X-Slow: \(index)\r\n" : "GET /healthz HTTP/1.1\r\nHost: x\r\n"
                guard let sent = connection.send(line) else {
                    closed.insert(index)
                    continue
                }
                if sent > 0 { begun.insert(index) }
                if connection.isClosedByPeer() { closed.insert(index) }
            }
            if Int(Date().timeIntervalSince(started)) % 5 == 0 { #expect(try user.status().listen != nil) }
            Thread.sleep(forTimeInterval: 0.5)
        }
        let elapsed = Date().timeIntervalSince(started)
        print("slowloris: \(closed.count) of 1,000 connections closed by the node within \(String(format: "%.1f", elapsed)) s")
        #expect(begun.count == connections.count, "every connection began a request")
        #expect(closed.count == connections.count)
        #expect(elapsed < 60)
        #expect(user.process.isRunning)
    }

    @Test("a body announced over the limit gets 413 before it is sent; one streamed past it is cut off, not drained")
    func hugeBodies() throws {
        let user = try Daemon()
        let port = try user.port
        let announced = try RawTCP(port: port)
        Thread.sleep(forTimeInterval: 0.2)
        announced.send("POST /v1/envelope HTTP/1.1\r\nHost: x\r\nContent-Length: 209715200\r\n\r\n")
        var answer = Data()
        let closed = waitFor(5) { announced.isClosedByPeer(received: &answer) }
        let text = String(decoding: answer, as: UTF8.self)
        #expect(closed, "the connection is closed after the refusal")
        #expect(text.hasPrefix("HTTP/1.1 413"), "\(text)")
        #expect(text.contains(#""code":"too-large""#))

        // Chunked, with no length: refused once past the limit, and the rest is never read.
        let streamed = try RawTCP(port: port)
        Thread.sleep(forTimeInterval: 0.2)
        streamed.send("POST /v1/envelope HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = Data("10000\r\n".utf8) + Data(repeating: 0x41, count: 0x10000) + Data("\r\n".utf8)
        var sent = 0
        var reply = Data()
        let started = Date()
        while sent < 200 << 20, Date().timeIntervalSince(started) < 30 {
            guard let count = streamed.send(chunk) else { break }
            sent += count
            if streamed.isClosedByPeer(received: &reply) { break }
            if count == 0 { Thread.sleep(forTimeInterval: 0.01) }
        }
        print("streamed body: the node stopped reading after \(sent >> 20) MiB of 200 MiB")
        #expect(sent < 64 << 20, "the node read \(sent) bytes of a body over its 8 MiB limit")
        #expect(String(decoding: reply, as: UTF8.self).hasPrefix("HTTP/1.1 413"))
        #expect(user.process.isRunning)
    }

    @Test("a route that refuses a body early leaves the kept-alive connection working for the next request")
    func keepAliveAfterAnEarlyRefusal() throws {
        let user = try Daemon()
        let connection = try RawTCP(port: try user.port)
        Thread.sleep(forTimeInterval: 0.2)
        // Over OwnTracks' 64 KiB, under the listener's limit: refused by the route, the rest drained.
        let body = String(repeating: "x", count: 100 << 10)
        connection.send("POST /v1/owntracks HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
        let bytes = Data(body.utf8)
        var offset = 0
        let started = Date()
        while offset < bytes.count, Date().timeIntervalSince(started) < 10 {
            guard let count = connection.send(bytes.subdata(in: offset..<bytes.count)) else { break }
            offset += count
            if count == 0 { Thread.sleep(forTimeInterval: 0.01) }
        }
        #expect(offset == bytes.count)
        connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        var answers = Data()
        _ = waitFor(5) {
            _ = connection.isClosedByPeer(received: &answers)
            return String(decoding: answers, as: UTF8.self).components(separatedBy: "HTTP/1.1 ").count >= 3
        }
        let text = String(decoding: answers, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 413"), "\(text.prefix(200))")
        #expect(text.contains("HTTP/1.1 200") && text.contains(#""status":"ok""#), "the next request on the connection: \(text.suffix(300))")

        // A chunked body that goes on past the listener's limit after the route answered: cut off, not drained.
        let streamed = try RawTCP(port: try user.port)
        Thread.sleep(forTimeInterval: 0.2)
        streamed.send("POST /v1/owntracks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = Data("10000\r\n".utf8) + Data(repeating: 0x41, count: 0x10000) + Data("\r\n".utf8)
        var total = 0
        var reply = Data()
        let begun = Date()
        while Date().timeIntervalSince(begun) < 20 {
            guard let count = streamed.send(chunk) else { break }
            total += count
            if streamed.isClosedByPeer(received: &reply) { break }
            if count == 0 { Thread.sleep(forTimeInterval: 0.01) }
        }
        print("early refusal, chunked: closed after \(total >> 20) MiB in \(String(format: "%.1f", Date().timeIntervalSince(begun))) s")
        #expect(Date().timeIntervalSince(begun) < 8, "the connection hung until the idle timeout")
        #expect(String(decoding: reply, as: UTF8.self).hasPrefix("HTTP/1.1 413"))
    }
}
