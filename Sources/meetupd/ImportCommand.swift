import ArgumentParser
import Foundation
import MeetupControl
import MeetupNode

/// `meetupd import FILE`: restores a `meetupctl export` archive, offline, into an empty home.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Restore an archive written by meetupctl export into an empty home (the daemon must not run on it).")

    @Argument(help: "The archive.") var file: String
    @Option(help: "Home directory (default: $MEETUP_HOME, else $XDG_STATE_HOME/meetup, else ~/.local/state/meetup).")
    var home: String?
    @Flag(help: "Read the passphrase from the first line of standard input instead of a prompt.")
    var passphraseStdin = false
    @Flag(help: "Restore into a home that is not empty, replacing its identity, keys and database.")
    var force = false

    func run() async throws {
        umask(0o077)
        let home = NodeHome.resolve(flag: home, environment: ProcessInfo.processInfo.environment)
        let passphrase: String?
        if passphraseStdin || isatty(STDIN_FILENO) == 0 {
            passphrase = readLine(strippingNewline: true)
        } else {
            passphrase = getpass("Passphrase: ").map { String(cString: $0) }
        }
        guard let passphrase, !passphrase.isEmpty else { fail("no passphrase given") }
        do {
            let nodeID = try NodeRestore.restore(
                archivePath: URL(fileURLWithPath: file).standardizedFileURL.path, passphrase: Data(passphrase.utf8), into: home,
                force: force)
            print("restored node \(nodeID) into \(home.path); start meetupd on it")
        } catch {
            fail("\(error)")
        }
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("meetupd: error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}
