import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A plain TCP connection to 127.0.0.1 for tests that misbehave as an attacker would: held open, sending
/// half a request, announcing a huge body.
final class RawTCP {
    let fd: Int32

    /// Connects without waiting: past the listener's backlog, the kernel keeps retrying in the background.
    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawTCPError.socket(errno) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 || errno == EINPROGRESS else {
            close(fd)
            throw RawTCPError.connect(errno)
        }
    }

    deinit { close(fd) }

    /// Sends what it can now; returns the bytes sent, or nil once the peer has closed or reset.
    @discardableResult
    func send(_ text: String) -> Int? {
        send(Data(text.utf8))
    }

    func send(_ data: Data) -> Int? {
        let sent = data.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, data.count, Int32(MSG_NOSIGNAL)) }
        if sent >= 0 { return sent }
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN ? 0 : nil
    }

    /// Whether the server has closed this connection (end of stream or reset), reading and discarding
    /// whatever it sent first into `received`.
    func isClosedByPeer(received: inout Data) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 {
                received.append(contentsOf: buffer[0..<count])
                continue
            }
            if count == 0 { return true }
            return !(errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN)
        }
    }

    func isClosedByPeer() -> Bool {
        var ignored = Data()
        return isClosedByPeer(received: &ignored)
    }

    /// Raises this process's soft file limit to its hard one, for tests that hold many connections.
    static func raiseFileLimit() -> UInt64 {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return UInt64(limit.rlim_cur)
    }
}

enum RawTCPError: Error {
    case socket(Int32)
    case connect(Int32)
}
