import ArgumentParser
import Foundation
import MeetupControl

/// `meetupctl export FILE`: the whole node (identity, contacts, PIN hashes, plans, received alerts) in one
/// archive sealed with a passphrase; `meetupd import FILE` restores it into an empty home.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write an encrypted backup of this node to FILE (restore it with meetupd import).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The archive to write; it must not exist yet unless --force.") var file: String
    @Flag(help: "Read the passphrase from the first line of standard input instead of two prompts.")
    var passphraseStdin = false
    @Flag(help: "Replace FILE if it exists.") var force = false

    func run() async throws {
        let path = URL(fileURLWithPath: file).standardizedFileURL.path
        if !force, FileManager.default.fileExists(atPath: path) {
            throw ValidationFailure("\(path) exists; choose another file or add --force")
        }
        let passphrase: String
        if passphraseStdin {
            guard let line = readLine(strippingNewline: true) else { throw ValidationFailure("no passphrase on standard input") }
            passphrase = line
        } else {
            passphrase = try PINInput.readSeveral(["Passphrase"], confirm: true)[0]
        }
        guard passphrase.count >= ExportRequest.minimumLength else {
            throw ValidationFailure("passphrase: at least \(ExportRequest.minimumLength) characters")
        }
        let result = try await global.client().export(passphrase: passphrase)
        try write(result.archive, to: path)
        if global.json { return try Output.printJSON(ExportSummary(file: path, bytes: result.archive.count, nodeID: result.nodeID)) }
        print("wrote \(path) (\(result.archive.count) bytes) for node \(result.nodeID); keep the passphrase apart from it")
    }

    /// A new file, private to the user, written whole or not at all.
    private func write(_ data: Data, to path: String) throws {
        let temporary = path + ".partial"
        let previous = umask(0o077)
        defer { umask(previous) }
        do {
            try data.write(to: URL(fileURLWithPath: temporary), options: [.atomic])
            chmod(temporary, 0o600)
            if force { unlink(path) }
            try FileManager.default.moveItem(atPath: temporary, toPath: path)
        } catch {
            unlink(temporary)
            throw ValidationFailure("cannot write \(path): \((error as NSError).localizedDescription)")
        }
    }
}

struct ExportSummary: Encodable {
    let file: String
    let bytes: Int
    let nodeID: String

    enum CodingKeys: String, CodingKey {
        case file, bytes
        case nodeID = "node_id"
    }
}
