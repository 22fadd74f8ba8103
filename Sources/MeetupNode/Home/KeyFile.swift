import Foundation
import MeetupCrypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A secret key on disk: `"MKEY"`, version 1, kind, body length, body, then a 16-byte BLAKE2b checksum of
/// everything before it, so that a truncated or damaged file is told apart from a valid one.
///
/// Files are written once: to a temporary name (0600, `O_EXCL`), `fsync`ed, then `link`ed into place,
/// which fails rather than replace an existing key, since a new key is a new identity.
struct KeyFile {
    enum Kind: UInt8 {
        case identity = 1
        case dataKey = 2

        var bodyLength: Int {
            switch self {
            case .identity: SigningKeyPair.seedByteCount + SealingKeyPair.secretByteCount
            case .dataKey: SymmetricKey.byteCount
            }
        }

        var label: String {
            switch self {
            case .identity: "identity key"
            case .dataKey: "data key"
            }
        }
    }

    static let magic = Data("MKEY".utf8)
    static let version: UInt8 = 1
    static let checksumLength = 16

    static func encode(kind: Kind, body: Data) -> Data {
        precondition(body.count == kind.bodyLength)
        var bytes = magic
        bytes.append(contentsOf: [version, kind.rawValue, UInt8(body.count)])
        bytes.append(body)
        bytes.append(blake2b(bytes, outputLength: checksumLength))
        return bytes
    }

    /// The body of a valid file of `kind`; throws `KeyFileError` for anything else.
    static func decode(_ bytes: Data, kind: Kind, path: String) throws(KeyFileError) -> Data {
        let expected = magic.count + 3 + kind.bodyLength + checksumLength
        guard bytes.count == expected else {
            throw .wrongSize(path: path, what: kind.label, expected: expected, got: bytes.count)
        }
        let bytes = Data(bytes)  // re-index from 0
        guard bytes.prefix(magic.count) == magic else { throw .notAKeyFile(path: path) }
        guard bytes[4] == version else { throw .unsupportedVersion(path: path, version: bytes[4]) }
        guard bytes[5] == kind.rawValue, Int(bytes[6]) == kind.bodyLength else {
            throw .wrongKind(path: path, expected: kind.label)
        }
        let checked = bytes.prefix(expected - checksumLength)
        guard constantTimeEqual(blake2b(checked, outputLength: checksumLength), bytes.suffix(checksumLength)) else {
            throw .corrupt(path: path)
        }
        return bytes.subdata(in: 7 ..< 7 + kind.bodyLength)
    }

    static func read(kind: Kind, path: String) throws(KeyFileError) -> Data {
        let bytes: Data
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path)
        }
        return try decode(bytes, kind: kind, path: path)
    }

    /// Writes a new key file; never replaces an existing one.
    static func create(kind: Kind, body: Data, path: String) throws(KeyFileError) {
        let bytes = encode(kind: kind, body: body)
        let temporary = path + ".new-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .unwritable(path: temporary, reason: String(cString: strerror(errno))) }
        defer { unlink(temporary) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else { throw .unwritable(path: temporary, reason: "short write") }
        guard link(temporary, path) == 0 else {
            if errno == EEXIST { throw .alreadyExists(path: path) }
            throw .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
        syncDirectory(of: path)
    }

    private static func syncDirectory(of path: String) {
        let directory = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { return }
        _ = fsync(directory)
        close(directory)
    }
}

/// Why a key file cannot be used. Messages name the path and never show key bytes.
public enum KeyFileError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String)
    case wrongSize(path: String, what: String, expected: Int, got: Int)
    case notAKeyFile(path: String)
    case unsupportedVersion(path: String, version: UInt8)
    case wrongKind(path: String, expected: String)
    case corrupt(path: String)
    case alreadyExists(path: String)
    case unwritable(path: String, reason: String)
    /// The database exists but its data key does not: a new key could not read it.
    case dataKeyMissing(path: String, database: String)

    public var description: String {
        let restore = "restore it from a backup; meetupd never replaces a key"
        return switch self {
        case let .unreadable(path):
            "key file \(path) cannot be read; check its owner and permissions"
        case let .wrongSize(path, what, expected, got):
            "key file \(path) (\(what)): expected \(expected) bytes, got \(got) (truncated or damaged); \(restore)"
        case let .notAKeyFile(path):
            "key file \(path) is not a meetup key file; \(restore)"
        case let .unsupportedVersion(path, version):
            "key file \(path) has version \(version), which this meetupd does not know; upgrade meetupd"
        case let .wrongKind(path, expected):
            "key file \(path) does not hold a \(expected); \(restore)"
        case let .corrupt(path):
            "key file \(path) is damaged (checksum mismatch); \(restore)"
        case let .alreadyExists(path):
            "key file \(path) appeared while it was being created; is another meetupd starting on this home?"
        case let .unwritable(path, reason):
            "cannot write key file \(path): \(reason)"
        case let .dataKeyMissing(path, database):
            "data key \(path) is missing but database \(database) exists; \(restore)"
        }
    }
}
