import Foundation
import GRDB
import MeetupControl
import MeetupCrypto

/// Backup and restore. Export runs inside the daemon (`meetupctl export`, through the control API): it
/// copies the database consistently while the node runs. Restore runs offline (`meetupd import`): the
/// daemon binary owns the home, and refuses one that a running daemon holds.
extension Node {
    /// The node's identity, data key and a consistent copy of its database, sealed with `passphrase`.
    func exportArchive(passphrase: Data) throws -> Data {
        let home = configuration.home
        let snapshot = home.path + "/export-\(UUID().uuidString).sqlite"
        defer { unlink(snapshot) }
        // VACUUM INTO writes a compact copy: no free pages, so nothing deleted travels in the archive.
        try store.writer.vacuum(into: snapshot)
        let manifest = NodeArchive.Manifest(
            meetupVersion: MeetupVersion.current, createdAt: clock.now, nodeID: keys.fingerprint.nodeID,
            migrations: try store.appliedMigrations())
        let files = try [
            "identity.key": Data(contentsOf: URL(fileURLWithPath: home.identityKeyPath)),
            "data.key": Data(contentsOf: URL(fileURLWithPath: home.dataKeyPath)),
            "meetup.sqlite": Data(contentsOf: URL(fileURLWithPath: snapshot)),
        ]
        return try NodeArchive(manifest: manifest, files: files).seal(passphrase: passphrase)
    }
}

public enum NodeRestore {
    /// Restores an archive into `home`, which must be empty (but for a `meetupd.yaml`) unless `force`, and
    /// not held by a running daemon. Everything is read, opened and checked before the first write.
    /// Returns the restored node's id.
    public static func restore(
        archivePath: String, passphrase: Data, into home: NodeHome, force: Bool
    ) throws(ArchiveError) -> String {
        let manager = FileManager.default
        if !force, let contents = try? manager.contentsOfDirectory(atPath: home.path),
           contents.contains(where: { $0 != NodeSettings.fileName })
        {
            throw .homeNotEmpty(path: home.path)
        }
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: archivePath))
        } catch {
            throw .unreadable(path: archivePath, reason: manager.fileExists(atPath: archivePath) ? "permission denied" : "no such file")
        }
        let archive = try NodeArchive.open(bytes, passphrase: passphrase)
        let unknown = Set(archive.manifest.migrations).subtracting(Store.knownMigrations)
        guard unknown.isEmpty else { throw .newerSchema(unknown.sorted()) }

        do { try home.prepare() } catch { throw .home("\(error)") }
        let lock: HomeLock
        do { lock = try HomeLock(home: home) } catch { throw .home("\(error)") }
        defer { withExtendedLifetime(lock) {} }
        // The old database's WAL must not be replayed into the restored one.
        for stale in ["-wal", "-shm"] { unlink(home.databasePath + stale) }
        for (name, path) in [("meetup.sqlite", home.databasePath), ("data.key", home.dataKeyPath), ("identity.key", home.identityKeyPath)] {
            try write(archive.files[name] ?? Data(), to: path)
        }
        return archive.manifest.nodeID
    }

    /// Writes to a temporary name, flushes, then renames over `path`.
    private static func write(_ data: Data, to path: String) throws(ArchiveError) {
        let temporary = path + ".restore"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw .cannotWrite(path: temporary, reason: String(cString: strerror(errno))) }
        let written = data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let count = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if count <= 0 { return false }
                offset += count
            }
            return true
        }
        let synced = fsync(fd) == 0
        close(fd)
        guard written, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
    }
}

extension Store {
    public static var knownMigrations: [String] { migrator.migrations }

    func appliedMigrations() throws -> [String] {
        try writer.read { db in try Self.migrator.appliedIdentifiers(db).sorted() }
    }
}
