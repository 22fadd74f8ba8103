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
            fail(error.description, code: CommandFailure.refusedCode)
        } catch let error as PINInputError {
            fail(error.description, code: CommandFailure.refusedCode)
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
        fail(Meetupctl.message(for: error), hint: "see 'meetupctl --help'", code: CommandFailure.usageOrUnreachableCode)
    }

    static func report(_ error: ControlClientError, arguments: [String]) -> Never {
        let failure = CommandFailure(error)
        fail(failure.message, hint: failure.hint, code: failure.exitCode)
    }

    static func fail(_ message: String, hint: String? = nil, code: Int32) -> Never {
        FileHandle.standardError.write(Data(CommandFailure(message: message, hint: hint, exitCode: code).text.utf8))
        exit(code)
    }
}
