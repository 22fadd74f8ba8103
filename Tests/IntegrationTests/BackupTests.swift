import Foundation
import MeetupControl
import Testing

/// `meetupctl export` from a running node, `meetupd import` offline, with real processes.
@Suite("backup and restore, for real", .serialized)
struct BackupTests {
    static let passphrase = "correct horse battery staple"

    func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("backup-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    func restore(_ archive: String, into home: String, passphrase: String = BackupTests.passphrase, _ extra: [String] = []) throws -> CommandResult {
        try run(Binaries.meetupd, ["import", archive, "--home", home, "--passphrase-stdin"] + extra, stdin: passphrase + "\n")
    }

    @Test("export, then import into a fresh home: same identity, contacts, PINs and plans, and contacts still accept its alerts")
    func roundTrip() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let user = try Daemon.withPINs()
        let carol = try Daemon()
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        let plan = try user.arm(["--match", "Alexandre", "--place", "Le Quetzal", "--every", "10m", "--for", "2h"])
        let before = try user.json(["id"], as: IdentityInfo.self)
        let archive = directory + "/node.mbk"
        let exported = try user.ctl(["export", archive, "--passphrase-stdin"], stdin: Self.passphrase + "\n")
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(fileMode(archive) == 0o600)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
        for secret in ["Alexandre", "Le Quetzal", "Carol", "meetup.sqlite", "SQLite format"] {
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in clear in the archive")
        }
        #expect(try user.ctl(["export", archive, "--passphrase-stdin"], stdin: Self.passphrase + "\n").status == 1, "an existing file was overwritten")
        #expect(try user.ctl(["export", directory + "/short.mbk", "--passphrase-stdin"], stdin: "short\n").status == 1)

        // Refusals change nothing.
        let fresh = directory + "/fresh"
        let wrong = try restore(archive, into: fresh, passphrase: "not the passphrase")
        #expect(wrong.status == 1)
        #expect(wrong.stderr == "meetupd: error: wrong passphrase, or the archive is damaged; nothing was restored\n")
        var damaged = bytes
        damaged[damaged.count / 2] ^= 0x01
        try damaged.write(to: URL(fileURLWithPath: directory + "/damaged.mbk"))
        #expect(try restore(directory + "/damaged.mbk", into: fresh).stderr.contains("the archive is damaged"))
        var newer = bytes
        newer[8] = 2
        try newer.write(to: URL(fileURLWithPath: directory + "/newer.mbk"))
        #expect(try restore(directory + "/newer.mbk", into: fresh).stderr
            == "meetupd: error: archive format 2 is newer than this meetupd reads (1); restore it with a newer meetupd\n")
        #expect(!FileManager.default.fileExists(atPath: fresh), "a refused import created the home")
        let busy = try restore(archive, into: user.home)
        #expect(busy.status == 1 && busy.stderr.contains("is not empty"), "\(busy.stderr)")
        let held = try restore(archive, into: user.home, ["--force"])
        #expect(held.status == 1 && held.stderr.contains("in use by another meetupd"), "\(held.stderr)")

        // The user's device is gone; the archive comes back on another home.
        user.kill9()
        let restored = try restore(archive, into: fresh)
        #expect(restored.status == 0, "\(restored.stderr)")
        let node = try Daemon(home: fresh)
        let after = try node.json(["id"], as: IdentityInfo.self)
        #expect(after.fingerprint == before.fingerprint)
        #expect(after.nodeID == before.nodeID)
        #expect(try node.json(["contacts", "list"], as: ContactList.self).contacts.map(\.name) == ["Carol"])
        #expect(try node.plan(plan.plan).phase == .active)
        #expect(try node.ctl(["checkin", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n").status == 0, "the PIN hashes did not come back")
        #expect(try node.ctl(["panic", plan.plan]).status == 0)
        let alert = try #require(try waitFor(10) { try carol.receivedAlerts().first }, "carol did not accept the restored node's alert")
        #expect(alert.from == "Ulysse")
        #expect(alert.match.pseudonym == "Alexandre")
    }
}
