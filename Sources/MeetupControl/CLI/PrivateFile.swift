import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why a private file could not be written; the message names the path and the system's reason.
public enum PrivateFileError: Error, Equatable, CustomStringConvertible {
    case exists(path: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .exists(path): "\(path) exists; choose another file or add --force"
        case let .cannotWrite(path, reason): "cannot write \(path): \(reason)"
        }
    }
}

/// A file only its owner can read, written whole or not at all: the bytes go to a new `PATH.partial`
/// (created with O_EXCL, mode 0600), are synced to disk, and the file is renamed into place, then the
/// folder is synced, so that a crash or a full disk leaves either the old state or the whole new file.
public enum PrivateFile {
    public static func write(_ data: Data, to path: String, replacing: Bool) throws(PrivateFileError) {
        if !replacing, FileManager.default.fileExists(atPath: path) { throw .exists(path: path) }
        let temporary = path + ".partial"
        unlink(temporary)
        do {
            try writeSynced(data, to: temporary)
            // Without --force, link refuses a file that appeared since the check; with it, rename replaces.
            if replacing {
                try check(rename(temporary, path))
            } else {
                try check(link(temporary, path))
                unlink(temporary)
            }
            try syncFolder(of: path)
        } catch let error as SystemCallFailure {
            unlink(temporary)
            if error.errno == EEXIST { throw .exists(path: path) }
            throw .cannotWrite(path: path, reason: String(cString: strerror(error.errno)))
        } catch {
            unlink(temporary)
            throw .cannotWrite(path: path, reason: "\(error)")
        }
    }

    private static func writeSynced(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        try check(fd)
        defer { close(fd) }
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) throws in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                try check(written < 0 ? -1 : 0)
                offset += written
            }
        }
        try check(fsync(fd))
    }

    private static func syncFolder(of path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        try check(fd)
        defer { close(fd) }
        try check(fsync(fd))
    }

    private static func check(_ result: some BinaryInteger) throws(SystemCallFailure) {
        if result < 0 { throw SystemCallFailure(errno: errno) }
    }
}

private struct SystemCallFailure: Error {
    var errno: Int32
}
