import ArgumentParser
import Foundation
import MeetupControl

/// Exit codes: 0 success, 1 refused by the daemon, 2 daemon unreachable or usage error.
@main
enum Main {
    static func main() async {
        let arguments = GlobalOptionHoisting.hoist(Array(CommandLine.arguments.dropFirst()))
        let command: any ParsableCommand
        do {
            command = try Meetupctl.parseAsRoot(arguments)
        } catch {
            finish(parsing: error)
        }
        do {
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                var command = command
                try command.run()
            }
        } catch let error as ControlClientError {
            report(error, arguments: arguments)
        } catch let error as ExitCode {
            exit(error.rawValue)
        } catch let error as ValidationFailure {
            fail(error.description, code: 1)
        } catch let error as PINInputError {
            fail(error.description, code: 1)
        } catch {
            finish(parsing: error)
        }
    }

    /// Help and version requests go to stdout with exit 0; usage errors to stderr with exit 2.
    static func finish(parsing error: any Error) -> Never {
        if Meetupctl.exitCode(for: error) == .success {
            print(Meetupctl.fullMessage(for: error))
            exit(0)
        }
        fail(Meetupctl.message(for: error), hint: "see 'meetupctl --help'", code: 2)
    }

    static func report(_ error: ControlClientError, arguments: [String]) -> Never {
        switch error {
        case let .daemonNotRunning(socketPath):
            let home = (socketPath as NSString).deletingLastPathComponent
            fail("meetupd is not running on home \(home); start it with: meetupd --home \(home)", code: 2)
        case .daemonNotAnswering, .unexpectedResponse:
            fail("\(error)", code: 2)
        case .refused:
            fail("\(error)", code: 1)
        }
    }

    static func fail(_ message: String, hint: String? = nil, code: Int32) -> Never {
        var text = "meetupctl: error: \(message)\n"
        if let hint { text += "meetupctl: hint: \(hint)\n" }
        FileHandle.standardError.write(Data(text.utf8))
        exit(code)
    }
}
