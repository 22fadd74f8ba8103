import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Tells at once whether anyone listens on a Unix socket. AsyncHTTPClient retries a refused connection
/// until the request's deadline; a socket left by a killed daemon would make every `meetupctl` call hang
/// for that long before saying the daemon is not running.
enum UnixSocketProbe {
    enum Answer: Equatable {
        case listening
        case missing
        case refused
    }

    static func probe(_ path: String) -> Answer {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        // A path too long for sockaddr_un cannot be probed; let the HTTP client report it.
        guard bytes.count < capacity else { return .listening }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .listening }
        defer { close(fd) }
        let status = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard status != 0 else { return .listening }
        switch errno {
        case ENOENT, ENOTDIR: return .missing
        case ECONNREFUSED: return .refused
        default: return .listening
        }
    }
}
