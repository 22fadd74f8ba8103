import Foundation
import MeetupControl
import Testing

/// A small tmpfs for a user's home, filled to the last byte and freed again (CI runs as root).
final class TmpfsHome {
    let directory: String
    var filler: String { directory + "/filler" }

    /// Whether a tmpfs can be mounted here; when it cannot, the tests say why instead of passing.
    static let available: Bool = {
        guard let probe = try? TmpfsHome(megabytes: 1) else { return false }
        withExtendedLifetime(probe) {}
        return true
    }()

    init(megabytes: Int) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("meetup-full-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let mounted = try run("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", directory])
        guard mounted.status == 0 else {
            try? FileManager.default.removeItem(atPath: directory)
            throw DaemonError.command("mount: \(mounted.stderr)")
        }
    }

    deinit {
        _ = try? run("/usr/bin/umount", ["-l", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Writes zeros until the file system refuses one more byte.
    func fill() {
        _ = FileManager.default.createFile(atPath: filler, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: filler) else { return }
        let block = Data(count: 16 << 10)
        while (try? handle.write(contentsOf: block)) != nil {}
        while (try? handle.write(contentsOf: Data(count: 512))) != nil {}
        try? handle.close()
    }

    func free() {
        try? FileManager.default.removeItem(atPath: filler)
    }
}

/// The user's home on a full disk: what cannot be recorded is refused, clearly; what was accepted, or fell
/// due, while the disk was full reaches the contact once there is room again, exactly once.
@Suite("a full disk, for real", .serialized)
struct DiskFullTests {
    /// Fills the disk, then records positions until the node refuses one: SQLite reuses the room its WAL
    /// already holds, so a full disk shows only once that room is used up. Returns the refusal.
    static func exhaust(_ disk: TmpfsHome, _ user: Daemon, plan: String) throws -> CommandResult? {
        disk.fill()
        for index in 0..<400 {
            let recorded = try user.ctl(["where", plan, "48.85\(index % 10),2.35"])
            if recorded.status != 0 { return recorded }
        }
        return nil
    }

    @Test(
        "a deadline missed and a check-in made while the home's disk is full reach the contact, once each, when there is room again",
        .enabled(if: TmpfsHome.available, "needs root to mount a small tmpfs for the home; not run here"))
    func fullDisk() throws {
        let disk = try TmpfsHome(megabytes: 3)
        let contact = try Daemon()
        // The log is kept off the full disk, to be read.
        let user = try Daemon(home: disk.directory + "/home", logDirectory: NSTemporaryDirectory())
        try user.setPINs()
        try pair(user, as: "Ulysse", with: contact, as: "Carol")
        let plan = try user.arm(["--match", "Kiwi", "--place", "Cafe", "--every", "6s", "--grace", "1s", "--for", "1h"])

        // What cannot be recorded is refused, saying so; never "Checked in." for what the disk did not keep.
        let refusal = try #require(try Self.exhaust(disk, user, plan: plan.plan), "the node never noticed the full disk")
        #expect(refusal.status == 1)
        #expect(refusal.stderr.contains("nothing was recorded"), "\(refusal.stderr)")
        let checkIn = try user.ctl(["checkin", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n")
        #expect(checkIn.status == 1 && checkIn.stderr.contains("nothing was recorded"), "\(checkIn.stderr)")
        // Past deadline + grace: the alert is due but cannot be committed.
        Thread.sleep(forTimeInterval: 10)
        let failures = user.log.components(separatedBy: "\n").filter { $0.contains("pass failed; work stays queued") }
        print("failed passes logged in 10 s on a full disk: \(failures.count)")
        #expect(failures.contains { $0.contains("loop=scheduler") }, "the scheduler's failure was not logged:\n\(user.log)")
        #expect(failures.count <= 30, "a failing pass must log once per retry, not in a loop")
        #expect(try contact.receivedAlerts().isEmpty, "the alert cannot have been committed")
        #expect(user.process.isRunning)

        disk.free()
        let alerts = try waitFor(30) { () -> [ReceivedAlert]? in
            let alerts = try contact.receivedAlerts()
            return alerts.isEmpty ? nil : alerts
        }
        #expect(alerts?.map(\.reason) == ["missed"], "the missed deadline's alert once there is room")
        #expect(user.log.contains("pass recovered"))

        // A check-in after the alert, refused on a full disk and made again once there is room: told once.
        _ = try #require(try Self.exhaust(disk, user, plan: plan.plan))
        let late = try user.ctl(["checkin", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n")
        #expect(late.status == 1 && late.stderr.contains("nothing was recorded"), "\(late.stderr)")
        disk.free()
        let again = try user.ctl(["checkin", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n")
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try waitFor(30) { try contact.receivedAlerts().first?.checkedInAt != nil }, "the follow-up did not arrive")
        Thread.sleep(forTimeInterval: 2)
        // The check-in put the plan back on watch (a next miss would be a second alert, for its own deadline).
        #expect(try contact.receivedAlerts().filter { $0.deadline == plan.nextDeadline }.count == 1, "one alert, never a second copy")
        #expect(try user.status().problems.isEmpty)
        _ = user.stop()
        withExtendedLifetime(disk) {}
    }
}
