import Foundation
import MeetupControl

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An exclusive advisory lock (`flock`) on `<home>/meetupd.lock`, held for the daemon's whole life.
///
/// The kernel drops a `flock` when its holder dies, however it dies, so a lock left by a killed daemon
/// never blocks the next start; the pid written in the file only serves the error message.
public final class HomeLock: Sendable {
    private let descriptor: Int32
    public let path: String

    public init(home: NodeHome) throws(HomeError) {
        path = home.lockPath
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            let code = errno
            if code == EACCES || code == EROFS || code == EPERM { throw .notWritable(path: home.path) }
            throw .unusable(path: path, reason: String(cString: strerror(code)))
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.readPID(fd)
            close(fd)
            if code == EWOULDBLOCK { throw .heldByAnotherDaemon(path: home.path, pid: holder) }
            throw .unusable(path: path, reason: String(cString: strerror(code)))
        }
        descriptor = fd
        try home.checkPrivate(file: path)
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit {
        close(descriptor)
    }

    private static func readPID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer.prefix(count), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
