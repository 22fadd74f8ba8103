import Foundation
import MeetupControl
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What a self-hoster relies on, with real processes: readiness for systemd, the unit file itself.
@Suite("self-hosting, for real", .serialized)
struct SelfHostingTests {
    @Test("under Type=notify, meetupd sends READY=1 to $NOTIFY_SOCKET once both listeners serve")
    func readiness() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/notify.sock"
        let listener = try DatagramListener(path: socketPath)
        let daemon = try Daemon(environment: ["NOTIFY_SOCKET": socketPath])
        let message = try #require(listener.receive(timeout: 5), "no notification: \(daemon.log)")
        #expect(message.hasPrefix("READY=1\nSTATUS=serving peers on 127.0.0.1:"), "\(message)")
        #expect(try daemon.status().listen != nil)
    }
}

/// A Unix datagram socket bound to a path, as systemd's notification socket is.
final class DatagramListener {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
    }

    deinit { close(fd) }

    func receive(timeout: TimeInterval) -> String? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[0 ..< count], as: UTF8.self) : nil
    }
}
