import Foundation
import MeetupCrypto

/// The backup archive (docs/SELF-HOSTING.md, "Backup and restore"): the node's files, sealed with a key
/// derived from a passphrase.
///
///     "MEETUPBK"  version (1 byte)  Argon2id operations (4 bytes, big-endian)  memory KiB (4)  salt (16)
///     XChaCha20-Poly1305 nonce, ciphertext and tag, with every byte before them as associated data
///
/// The plaintext is a list of named files, each a 2-byte name length, the name, an 8-byte length and the
/// bytes: `manifest.json`, `identity.key`, `data.key`, `meetup.sqlite` (a consistent copy of the database).
struct NodeArchive: Equatable {
    static let magic = Data("MEETUPBK".utf8)
    static let version: UInt8 = 1
    static let headerByteCount = magic.count + 1 + 4 + 4 + Argon2id.saltByteCount
    /// Archives are sealed with libsodium's moderate limits; one that asks for more is refused unread.
    static let limits = Argon2id.Limits.moderate
    static let maximumMemoryKiB: UInt32 = 1 << 20

    struct Manifest: Codable, Equatable {
        var meetupVersion: String
        var createdAt: Date
        var nodeID: String
        /// The database's applied migrations: an archive from a newer meetupd is refused before anything
        /// is written.
        var migrations: [String]

        enum CodingKeys: String, CodingKey {
            case meetupVersion = "meetup_version"
            case createdAt = "created_at"
            case nodeID = "node_id"
            case migrations
        }
    }

    var manifest: Manifest
    var files: [String: Data]

    static let fileNames = ["identity.key", "data.key", "meetup.sqlite"]

    func seal(passphrase: Data, limits: Argon2id.Limits = NodeArchive.limits) throws -> Data {
        let salt = SecureRandom.bytes(count: Argon2id.saltByteCount)
        var header = Self.magic
        header.append(Self.version)
        header.append(contentsOf: Self.bigEndian(UInt32(limits.operations)))
        header.append(contentsOf: Self.bigEndian(UInt32(limits.memoryBytes / 1024)))
        header.append(salt)
        let key = try Argon2id.deriveKey(password: passphrase, salt: salt, limits: limits)
        var plaintext = Data()
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let entries = [("manifest.json", try encoder.encode(manifest))] + Self.fileNames.map { ($0, files[$0] ?? Data()) }
        for (name, bytes) in entries {
            plaintext.append(contentsOf: Self.bigEndian(UInt16(name.utf8.count)))
            plaintext.append(Data(name.utf8))
            plaintext.append(contentsOf: Self.bigEndian(UInt64(bytes.count)))
            plaintext.append(bytes)
        }
        return header + key.seal(plaintext, associatedData: header)
    }

    /// Opens an archive; nothing here touches the disk.
    static func open(_ archive: Data, passphrase: Data) throws(ArchiveError) -> NodeArchive {
        let bytes = Data(archive)
        guard bytes.count > headerByteCount + SymmetricKey.overhead, bytes.prefix(magic.count) == magic else {
            throw .notAnArchive
        }
        let version = bytes[bytes.startIndex + magic.count]
        guard version == Self.version else { throw .newerVersion(version) }
        var offset = bytes.startIndex + magic.count + 1
        let operations = readUInt32(bytes, &offset)
        let memoryKiB = readUInt32(bytes, &offset)
        guard (1...16).contains(operations), (8...maximumMemoryKiB).contains(memoryKiB) else { throw .damaged }
        let salt = bytes[offset ..< offset + Argon2id.saltByteCount]
        let header = bytes.prefix(headerByteCount)
        let plaintext: Data
        do {
            let key = try Argon2id.deriveKey(
                password: passphrase, salt: Data(salt),
                limits: .init(operations: UInt64(operations), memoryBytes: Int(memoryKiB) * 1024))
            plaintext = try key.open(bytes.dropFirst(headerByteCount), associatedData: header)
        } catch {
            throw .wrongPassphraseOrDamaged
        }
        var files: [String: Data] = [:]
        var position = plaintext.startIndex
        while position < plaintext.endIndex {
            guard plaintext.endIndex - position >= 2 else { throw .damaged }
            let nameLength = Int(readUInt16(plaintext, &position))
            guard plaintext.endIndex - position >= nameLength + 8 else { throw .damaged }
            let name = String(decoding: plaintext[position ..< position + nameLength], as: UTF8.self)
            position += nameLength
            let length = readUInt64(plaintext, &position)
            guard length <= UInt64(plaintext.endIndex - position) else { throw .damaged }
            files[name] = Data(plaintext[position ..< position + Int(length)])
            position += Int(length)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let manifestBytes = files.removeValue(forKey: "manifest.json"),
              let manifest = try? decoder.decode(Manifest.self, from: manifestBytes),
              fileNames.allSatisfy({ files[$0].map { !$0.isEmpty } ?? false })
        else { throw .damaged }
        return NodeArchive(manifest: manifest, files: files)
    }

    private static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    private static func readUInt16(_ data: Data, _ offset: inout Data.Index) -> UInt16 {
        defer { offset += 2 }
        return data[offset ..< offset + 2].reduce(0) { $0 << 8 | UInt16($1) }
    }

    private static func readUInt32(_ data: Data, _ offset: inout Data.Index) -> UInt32 {
        defer { offset += 4 }
        return data[offset ..< offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func readUInt64(_ data: Data, _ offset: inout Data.Index) -> UInt64 {
        defer { offset += 8 }
        return data[offset ..< offset + 8].reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// Why an archive cannot be restored. Nothing is written when any of these is thrown.
public enum ArchiveError: Error, Equatable, CustomStringConvertible {
    case notAnArchive
    case newerVersion(UInt8)
    case wrongPassphraseOrDamaged
    case damaged
    case newerSchema([String])
    case unreadable(path: String, reason: String)
    case homeNotEmpty(path: String)
    case home(String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .notAnArchive: "not a meetup archive"
        case let .newerVersion(version):
            "archive format \(version) is newer than this meetupd reads (\(NodeArchive.version)); restore it with a newer meetupd"
        case .wrongPassphraseOrDamaged: "wrong passphrase, or the archive is damaged; nothing was restored"
        case .damaged: "the archive is damaged; nothing was restored"
        case let .newerSchema(migrations):
            "the archive comes from a newer meetupd (database changes \(migrations.joined(separator: ", "))); restore it with that version or later"
        case let .unreadable(path, reason): "cannot read \(path): \(reason)"
        case let .homeNotEmpty(path): "home \(path) is not empty; restore into an empty home, or add --force to replace its identity and data"
        case let .home(message): message
        case let .cannotWrite(path, reason): "cannot write \(path): \(reason)"
        }
    }
}
