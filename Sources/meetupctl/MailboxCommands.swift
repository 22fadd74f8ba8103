import ArgumentParser
import CheckInCore
import Foundation
import MeetupControl

struct MailboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailbox",
        abstract: "Mailboxes: hold sealed envelopes for a contact that cannot be reached, or be reached through one.",
        discussion: """
            A node behind a home router, or asleep half the day, cannot be reached: an always-on contact (a guardian, \
            an association, a friend's home server) keeps what is sent to it, sealed, and the node fetches with outbound \
            connections only. The host runs `mailbox grant NAME`; the node behind NAT then runs `mailbox use HOST`.
            """,
        subcommands: [MailboxStatusCommand.self, MailboxGrantCommand.self, MailboxUseCommand.self, MailboxDropCommand.self],
        defaultSubcommand: MailboxStatusCommand.self)
}

struct MailboxGrantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant", abstract: "Keep a mailbox for one of your contacts (or change its limits; --revoke ends it).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The contact, as you named it.") var name: String
    @Flag(help: "End the mailbox, and drop what waits in it.") var revoke = false
    @Option(help: "Messages it holds at most (default: meetupd's --mailbox-messages).") var messages: Int?
    @Option(help: "Bytes it holds at most, like 64M (default: meetupd's --mailbox-bytes).") var bytes: String?
    @Option(help: "How long a message waits to be fetched, like 7d (default: meetupd's --mailbox-ttl).") var ttl: String?

    func validate() throws {
        if revoke, messages != nil || bytes != nil || ttl != nil {
            throw ValidationError("--revoke takes no limits")
        }
    }

    func run() async throws {
        let client = global.client()
        if revoke {
            let done = try await client.revokeMailbox(name)
            if global.json { return try Output.printJSON(done) }
            return print("The mailbox for \(Output.quoted(name)) is ended; what waited in it is dropped.")
        }
        let mailbox = try await client.grantMailbox(name, MailboxGrantRequest(messages: messages, bytes: bytes, ttl: ttl))
        if global.json { return try Output.printJSON(mailbox) }
        print("Keeping a mailbox for \(Output.quoted(mailbox.contact)): at most \(mailbox.messageLimit) messages, "
            + "\(ByteCountText.format(mailbox.byteLimit)) bytes, each for \(DurationText.format(mailbox.ttlSeconds)).")
        print("They start using it with: meetupctl mailbox use <their name for you>")
    }
}

struct MailboxUseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "use", abstract: "Be reached through the mailbox a contact keeps for you; your contacts get your new card.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The contact that keeps the mailbox (they ran mailbox grant).") var host: String
    @Flag(help: "List only the mailbox in your card, not this node's own endpoint.") var only = false

    func run() async throws {
        let status = try await global.client().useMailbox(MailboxUseRequest(host: host, only: only))
        if global.json { return try Output.printJSON(status) }
        MailboxStatusCommand.printUsed(status.uses)
        print("Your contacts are sent your new card; nobody needs to pair again.")
    }
}

struct MailboxDropCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drop", abstract: "Stop being reached through a mailbox; your contacts get your new card.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let status = try await global.client().dropMailbox()
        if global.json { return try Output.printJSON(status) }
        print("This node no longer lists a mailbox; your contacts are sent your new card.")
    }
}

struct MailboxStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "The mailbox you use, and those you keep for contacts (sizes and times only).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let status = try await global.client().mailboxStatus()
        if global.json { return try Output.printJSON(status) }
        Self.printUsed(status.uses)
        for hosted in status.hosts {
            let fetched = hosted.lastFetchAt.map { "last fetch " + Output.time($0) } ?? "never fetched"
            print("Keeping a mailbox for \(Output.quoted(hosted.contact)): \(hosted.waitingMessages) of \(hosted.messageLimit) messages, "
                + "\(ByteCountText.format(hosted.waitingBytes)) of \(ByteCountText.format(hosted.byteLimit)) bytes waiting; \(fetched).")
        }
        if status.hosts.isEmpty { print("Keeping no mailbox for anyone (meetupctl mailbox grant NAME).") }
    }

    static func printUsed(_ used: UsedMailbox?) {
        guard let used else { return print("Using no mailbox: contacts reach this node at its own endpoint.") }
        print("Using the mailbox at \(Output.quoted(used.host))\(used.only ? " only" : ", after this node's own endpoint"): \(used.endpoint)")
        let fetch = used.lastFetchAt.map { "last fetch " + Output.time($0) } ?? "not fetched yet"
        let waiting = used.waiting.map { ", \($0) waiting" } ?? ""
        let failure = used.lastError.map { "; the last fetch failed: \($0)" } ?? ""
        print("  \(fetch)\(waiting)\(failure)")
    }
}
