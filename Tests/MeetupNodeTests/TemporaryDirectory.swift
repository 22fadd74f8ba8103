import Foundation
import Logging
import MeetupControl
@testable import MeetupNode

/// A fresh directory under the system temporary directory, removed when dropped.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("meetup-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: false)
        path = base.path
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Every file's bytes under this directory, for scanning at-rest data.
    func allBytes() throws -> [(String, Data)] {
        let names = FileManager.default.subpaths(atPath: path) ?? []
        return try names.compactMap { name in
            let full = path + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let attributes = try? FileManager.default.attributesOfItem(atPath: full),
                  attributes[.type] as? FileAttributeType == .typeRegular
            else { return nil }
            return (name, try Data(contentsOf: URL(fileURLWithPath: full)))
        }
    }
}

extension Node {
    /// A node whose home is `<directory>/home`, on a port never bound, with cheap PIN hashing: what the
    /// tests that drive services without a network need.
    static func forTests(in directory: TemporaryDirectory, clock: ManualClock = ManualClock()) throws -> Node {
        try Node(
            configuration: NodeConfiguration(
                home: NodeHome(path: directory.path + "/home", isExplicit: true),
                listen: ListenAddress(host: "127.0.0.1", port: 0), pinHashLimits: .minimum),
            clock: clock, logger: Logger(label: "test"))
    }
}
