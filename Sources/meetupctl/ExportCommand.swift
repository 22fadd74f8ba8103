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
        if !force, FileManager.default.fileExists(atPath: path) { throw ValidationFailure(PrivateFileError.exists(path: path).description) }
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

    private func write(_ data: Data, to path: String) throws {
        do { try PrivateFile.write(data, to: path, replacing: force) } catch { throw ValidationFailure(error.description) }
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
