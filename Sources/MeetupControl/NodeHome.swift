import Foundation

/// The node's home directory: database, keys, lock and control socket. Mode 0700, every file 0600.
///
/// Chosen by `--home DIR`, else `$MEETUP_HOME`, else `$XDG_STATE_HOME/meetup`, else
/// `~/.local/state/meetup`. An explicit home (flag or variable) must have an existing parent, so that a
/// typo is refused rather than silently creating a second identity; the XDG default creates its parents,
/// as XDG applications do.
public struct NodeHome: Sendable, Equatable {
    public let path: String
    /// Whether the user named the path (flag or `MEETUP_HOME`) rather than taking the XDG default.
    public let isExplicit: Bool

    public init(path: String, isExplicit: Bool) {
        self.path = path
        self.isExplicit = isExplicit
    }

    /// Resolves the home from a `--home` value and the environment, in the documented order.
    public static func resolve(flag: String?, environment: [String: String]) -> NodeHome {
        if let flag, !flag.isEmpty { return NodeHome(path: absolute(flag, environment), isExplicit: true) }
        if let home = environment["MEETUP_HOME"], !home.isEmpty {
            return NodeHome(path: absolute(home, environment), isExplicit: true)
        }
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return NodeHome(path: state + "/meetup", isExplicit: false)
        }
        let user = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return NodeHome(path: user + "/.local/state/meetup", isExplicit: false)
    }

    private static func absolute(_ path: String, _ environment: [String: String]) -> String {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL.path }
        if path == "~" || path.hasPrefix("~/"), let user = environment["HOME"] {
            return user + path.dropFirst()
        }
        let cwd = FileManager.default.currentDirectoryPath
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true))
            .standardizedFileURL.path
    }

    public var databasePath: String { path + "/meetup.sqlite" }
    public var identityKeyPath: String { path + "/identity.key" }
    public var dataKeyPath: String { path + "/data.key" }
    public var lockPath: String { path + "/meetupd.lock" }
    public var controlSocketPath: String { path + "/meetupd.sock" }
}
