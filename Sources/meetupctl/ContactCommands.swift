import ArgumentParser
import Foundation
import MeetupControl

struct IdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "id", abstract: "Print this node's contact card and fingerprint, to give to a contact.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let identity = try await global.client().identity()
        if let warning = identity.warning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        if global.json { return try Output.printJSON(identity) }
        print(identity.card)
        print("fingerprint \(identity.fingerprint)")
    }
}

struct ContactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contacts", abstract: "The people your alerts go to, and whose alerts you receive.",
        subcommands: [ContactsList.self, ContactsAdd.self, ContactsShow.self, ContactsVerify.self, ContactsRemove.self],
        defaultSubcommand: ContactsList.self)
}

struct ContactName: ParsableArguments {
    @Argument(help: "The contact's name, as you added it.") var name: String
}

struct ContactsAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a contact from the card they gave you (meetupctl id on their node).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Your name for them.") var name: String
    @Argument(help: "Their card: one line starting with meetup1:") var card: String
    @Flag(help: "They also watch your plans when your device is gone (needs an always-on node).") var guardian = false
    @Option(help: "1: alerted at once (default); 2: alerted when no tier-1 contact acknowledges in time.") var tier: Int?

    func run() async throws {
        let contact = try await global.client().addContact(
            ContactAddRequest(name: name, card: card, guardian: guardian, tier: tier))
        if global.json { return try Output.printJSON(contact) }
        print("Added \(contact.name) (tier \(contact.tier)\(contact.guardian ? ", guardian" : "")).")
        print("Compare safety numbers with them in person or by phone: meetupctl contacts verify \(Output.quoted(contact.name))")
    }
}

struct ContactsList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List your contacts.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let list = try await global.client().contacts()
        if global.json { return try Output.printJSON(list) }
        guard !list.contacts.isEmpty else { return print("No contacts yet. Add one with meetupctl contacts add NAME CARD.") }
        for contact in list.contacts {
            var flags = ["tier \(contact.tier)"]
            if contact.guardian { flags.append("guardian") }
            flags.append(contact.verified ? "verified" : "not verified")
            print("\(contact.name)  \(contact.nodeID)  \(flags.joined(separator: ", "))")
        }
    }
}

struct ContactsShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one contact.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var contact: ContactName

    func run() async throws {
        let info = try await global.client().contact(contact.name)
        if global.json { return try Output.printJSON(info) }
        var rows = [("name", info.name), ("node", info.nodeID), ("fingerprint", info.fingerprint), ("tier", "\(info.tier)"),
                    ("guardian", info.guardian ? "yes" : "no")]
        rows.append(("verified", info.verifiedAt.map { "yes, " + Output.time($0) } ?? "no"))
        if let name = info.cardName, !name.isEmpty { rows.append(("card name", TerminalText.clean(name))) }
        for endpoint in info.endpoints ?? [] { rows.append(("endpoint", endpoint)) }
        rows.append(("added", Output.time(info.addedAt)))
        Output.printTable(rows)
    }
}

struct ContactsVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Show the safety number to compare with the contact, and mark them verified when it matches.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var contact: ContactName
    @Flag(help: "Mark verified without asking (you compared the numbers already).") var yes = false

    func run() async throws {
        let client = global.client()
        let number = try await client.safetyNumber(contact.name)
        if !global.json {
            print("Safety number with \(number.contact):\n")
            print("    " + number.safetyNumber + "\n")
            print("Compare it with the number on \(number.contact)'s screen, in person or on a call you trust.")
        }
        if !yes {
            if global.json { return try Output.printJSON(number) }
            FileHandle.standardError.write(Data("Do the numbers match? [y/N] ".utf8))
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased().trimmingCharacters(in: .whitespaces)) else {
                print("Not marked verified. If the numbers differ, remove the contact and exchange cards again.")
                throw ExitCode(1)
            }
        }
        let verified = try await client.verifyContact(contact.name)
        if global.json { return try Output.printJSON(verified) }
        print("\(verified.contact) is verified.")
    }
}

struct ContactsRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a contact from future alerts; alerts they sent you are kept.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var contact: ContactName

    func run() async throws {
        let done = try await global.client().removeContact(contact.name)
        if global.json { return try Output.printJSON(done) }
        print("Removed \(contact.name).")
    }
}
