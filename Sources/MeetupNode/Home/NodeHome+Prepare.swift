import Foundation
import MeetupControl

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension NodeHome {
    /// Creates the home (0700) if it is missing, then checks that it is a directory owned by this user,
    /// closed to group and others, and writable. Throws `HomeError` naming the path and the way out.
    public func prepare() throws(HomeError) {
        var info = stat()
        if lstat(path, &info) != 0 {
            guard errno == ENOENT else { throw .unusable(path: path, reason: String(cString: strerror(errno))) }
            try create()
            guard lstat(path, &info) == 0 else {
                throw .unusable(path: path, reason: String(cString: strerror(errno)))
            }
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw .notADirectory(path: path) }
        guard info.st_uid == geteuid() else {
            throw .wrongOwner(path: path, owner: info.st_uid, user: geteuid())
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else { throw .tooOpen(path: path, mode: mode) }
        guard access(path, W_OK | X_OK) == 0 else { throw .notWritable(path: path) }
    }

    private func create() throws(HomeError) {
        let parent = (path as NSString).deletingLastPathComponent
        var parentInfo = stat()
        if stat(parent, &parentInfo) != 0 {
            guard !isExplicit else { throw .missingParent(path: path, parent: parent) }
            do {
                try FileManager.default.createDirectory(
                    atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw .unusable(path: parent, reason: "cannot create it")
            }
        }
        if mkdir(path, 0o700) != 0 {
            let code = errno
            if code == EACCES || code == EROFS || code == EPERM { throw .notWritable(path: parent) }
            if code != EEXIST { throw .unusable(path: path, reason: String(cString: strerror(code))) }
        }
        // mkdir honours the umask, which can only remove bits; chmod makes 0700 exact.
        _ = chmod(path, 0o700)
    }

    /// Refuses a file in the home that group or others can read or write, naming the fix.
    public func checkPrivate(file: String) throws(HomeError) {
        var info = stat()
        guard stat(file, &info) == 0 else { return }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else { throw .tooOpen(path: file, mode: mode) }
    }
}

/// Why a home cannot be used. Each message names the path and what to do.
public enum HomeError: Error, Equatable, CustomStringConvertible {
    case missingParent(path: String, parent: String)
    case notADirectory(path: String)
    case wrongOwner(path: String, owner: UInt32, user: UInt32)
    case tooOpen(path: String, mode: UInt32)
    case notWritable(path: String)
    case unusable(path: String, reason: String)
    case heldByAnotherDaemon(path: String, pid: Int32?)

    public var description: String {
        switch self {
        case let .missingParent(path, parent):
            "home \(path): parent directory \(parent) does not exist; create it or choose another --home"
        case let .notADirectory(path):
            "home \(path) is not a directory; choose another --home"
        case let .wrongOwner(path, owner, user):
            "home \(path) belongs to uid \(owner), not to you (uid \(user)); run meetupd as its owner or choose another --home"
        case let .tooOpen(path, mode):
            "\(path) is open to group or others (mode \(String(mode, radix: 8))); fix it with: chmod go-rwx \(path)"
        case let .notWritable(path):
            "\(path) is not writable by this user; fix its permissions or choose another --home"
        case let .unusable(path, reason):
            "home \(path) cannot be used: \(reason)"
        case let .heldByAnotherDaemon(path, pid):
            "home \(path) is in use by another meetupd\(pid.map { " (pid \($0))" } ?? ""); stop it first or choose another --home"
        }
    }
}
