import Foundation

/// What `meetupctl` prints and exits with when a command fails: exit 1 when the daemon (or a check made
/// before asking it) refused, 2 when the daemon cannot be reached or the command line is wrong.
public struct CommandFailure: Equatable, Sendable {
    public var message: String
    public var hint: String?
    public var exitCode: Int32

    public static let refusedCode: Int32 = 1
    /// Also a command line that cannot be parsed.
    public static let usageOrUnreachableCode: Int32 = 2

    public init(message: String, hint: String? = nil, exitCode: Int32) {
        self.message = message
        self.hint = hint
        self.exitCode = exitCode
    }

    public init(_ error: ControlClientError) {
        switch error {
        case let .daemonNotRunning(socketPath):
            let home = (socketPath as NSString).deletingLastPathComponent
            self.init(message: "meetupd is not running on home \(home); start it with: meetupd --home \(home)", exitCode: Self.usageOrUnreachableCode)
        case .daemonNotAnswering, .unexpectedResponse:
            self.init(message: "\(error)", exitCode: Self.usageOrUnreachableCode)
        case .refused:
            self.init(message: "\(error)", exitCode: Self.refusedCode)
        }
    }

    /// The lines for standard error.
    public var text: String {
        "meetupctl: error: \(message)\n" + (hint.map { "meetupctl: hint: \($0)\n" } ?? "")
    }
}
