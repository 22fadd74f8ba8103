import Foundation
import MeetupControl
@testable import MeetupNode
import Testing

@Suite("NodeHome")
struct NodeHomeTests {
    @Test("the home comes from --home, else MEETUP_HOME, else XDG_STATE_HOME, else ~/.local/state")
    func resolutionOrder() {
        let environment = ["MEETUP_HOME": "/srv/meetup", "XDG_STATE_HOME": "/x/state", "HOME": "/home/kim"]
        #expect(NodeHome.resolve(flag: "/a/b", environment: environment) == NodeHome(path: "/a/b", isExplicit: true))
        #expect(NodeHome.resolve(flag: nil, environment: environment) == NodeHome(path: "/srv/meetup", isExplicit: true))
        #expect(NodeHome.resolve(flag: nil, environment: ["XDG_STATE_HOME": "/x/state", "HOME": "/home/kim"])
            == NodeHome(path: "/x/state/meetup", isExplicit: false))
        #expect(NodeHome.resolve(flag: nil, environment: ["HOME": "/home/kim"])
            == NodeHome(path: "/home/kim/.local/state/meetup", isExplicit: false))
        #expect(NodeHome.resolve(flag: "~/m", environment: ["HOME": "/home/kim"]).path == "/home/kim/m")
        // A relative XDG_STATE_HOME is invalid by the XDG spec and ignored.
        #expect(NodeHome.resolve(flag: nil, environment: ["XDG_STATE_HOME": "rel", "HOME": "/h"]).path
            == "/h/.local/state/meetup")
    }

    @Test("a new home is created with mode 0700")
    func createsPrivateHome() throws {
        let directory = try TemporaryDirectory()
        let home = NodeHome(path: directory.path + "/home", isExplicit: true)
        try home.prepare()
        #expect(try mode(of: home.path) == 0o700)
    }

    @Test("a home open to group or others is refused with the chmod that fixes it")
    func refusesOpenHome() throws {
        let directory = try TemporaryDirectory()
        let home = NodeHome(path: directory.path + "/home", isExplicit: true)
        try FileManager.default.createDirectory(atPath: home.path, withIntermediateDirectories: false)
        chmod(home.path, 0o755)
        #expect(throws: HomeError.tooOpen(path: home.path, mode: 0o755)) { try home.prepare() }
        #expect("\(HomeError.tooOpen(path: home.path, mode: 0o755))".contains("chmod go-rwx \(home.path)"))
        #expect(try mode(of: home.path) == 0o755)
    }

    @Test("an explicit home whose parent is missing is refused; the XDG default creates its parents")
    func missingParent() throws {
        let directory = try TemporaryDirectory()
        let explicit = NodeHome(path: directory.path + "/typo/home", isExplicit: true)
        #expect(throws: HomeError.missingParent(path: explicit.path, parent: directory.path + "/typo")) {
            try explicit.prepare()
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/typo"))
        let implicit = NodeHome(path: directory.path + "/state/meetup", isExplicit: false)
        try implicit.prepare()
        #expect(try mode(of: implicit.path) == 0o700)
    }

    @Test("a home that is a file is refused")
    func homeIsAFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: HomeError.notADirectory(path: path)) { try NodeHome(path: path, isExplicit: true).prepare() }
    }

    @Test("a second lock on one home is refused with the holder's pid; a released lock does not block")
    func lock() throws {
        let directory = try TemporaryDirectory()
        let home = NodeHome(path: directory.path, isExplicit: true)
        chmod(home.path, 0o700)
        var first: HomeLock? = try HomeLock(home: home)
        #expect(throws: HomeError.heldByAnotherDaemon(path: home.path, pid: getpid())) { try HomeLock(home: home) }
        #expect(first != nil)
        first = nil
        _ = try HomeLock(home: home)
        #expect(try mode(of: home.lockPath) == 0o600)
    }
}

func mode(of path: String) throws -> UInt32 {
    var info = stat()
    guard stat(path, &info) == 0 else { throw CocoaError(.fileNoSuchFile) }
    return UInt32(info.st_mode & 0o777)
}

@Suite("node files")
struct NodeFilesTests {
    /// The process umask, read without changing it (set, then set back to what it was).
    static var currentUmask: mode_t {
        let mask = umask(0o022)
        umask(mask)
        return mask
    }

    @Test("a new node leaves the process umask alone, and its database, WAL, shared memory and keys are 0600 anyway")
    func privateFiles() throws {
        let before = Self.currentUmask
        let directory = try TemporaryDirectory()
        let node = try Node.forTests(in: directory)
        #expect(Self.currentUmask == before)
        _ = try node.plans.setPIN(PINSetRequest(pin: "1234", duressPIN: "9876", currentPIN: nil))
        let home = node.configuration.home
        let files = try FileManager.default.contentsOfDirectory(atPath: home.path).filter { !$0.hasSuffix(".sock") }
        #expect(files.contains { $0.hasSuffix("-wal") } && files.contains { $0.hasSuffix("-shm") })
        for file in files {
            let mode = try FileManager.default.attributesOfItem(atPath: home.path + "/" + file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) is \(String(mode ?? 0, radix: 8))")
        }
    }
}
