import CheckInCore
import Foundation
import Logging
import MeetupControl
import MeetupProtocol

/// What the control API does with mailboxes: those this node hosts for its contacts (`mailbox grant`), and
/// the one its card lists (`mailbox use`, `mailbox drop`), with `mailbox status` for both.
struct MailboxService: Sendable {
    let store: Store
    let clock: any WallClock
    let keys: NodeKeys
    /// Republished (and sent to every contact) when the mailbox in use changes.
    let ownCard: OwnCard
    let defaults: MailboxLimits
    /// Whether a host keeps a mailbox for this node and answers: nil when it does, else why not.
    let probe: @Sendable (ContactRecord, ContactCard) async -> String?
    /// Wakes the fetcher when the mailbox in use changes.
    let fetcherWakeup: SchedulerWakeup
    let logger: Logger

    func grant(_ name: String, _ request: MailboxGrantRequest) throws(ControlError) -> HostedMailbox {
        let contact = try find(name)
        var limits = defaults
        if let messages = request.messages {
            guard messages >= 1 else { throw .invalidArgument("--messages: 1 or more") }
            limits.messages = messages
        }
        if let bytes = request.bytes {
            guard let parsed = ByteCountText.parse(bytes), parsed >= 1 << 20 else {
                throw .invalidArgument("--bytes: a size like 64M, 512K or a number of bytes, at least 1M")
            }
            limits.bytes = parsed
        }
        if let ttl = request.ttl {
            guard let seconds = try? DurationText.parse(ttl), seconds >= 3_600 else { throw .invalidArgument("--ttl: a duration like 7d, at least 1h") }
            limits.ttl = TimeInterval(seconds)
        }
        let box = Mailbox.box(host: keys.signing.publicKey, owner: contact.signingKey)
        let grant = try ControlError.storeCall(logger: logger) { try store.grantMailbox(contactID: contact.id, box: box, limits: limits, at: clock.now) }
        logger.info("mailbox granted", metadata: ["contact": "\(contact.id)"])
        return try hosted().first { $0.contact == contact.name } ?? HostedMailbox(
            contact: contact.name, grantedAt: grant.grantedAt, messageLimit: limits.messages, byteLimit: limits.bytes,
            ttlSeconds: Int(limits.ttl), waitingMessages: 0, waitingBytes: 0, lastFetchAt: nil)
    }

    func revoke(_ name: String) throws(ControlError) -> Done {
        let contact = try find(name)
        guard try ControlError.storeCall(logger: logger, { try store.revokeMailbox(contactID: contact.id) }) else {
            throw .mailboxNotFound(name: contact.name)
        }
        logger.info("mailbox revoked", metadata: ["contact": "\(contact.id)"])
        return Done()
    }

    /// From now on this node's card lists the mailbox `host` keeps for it, once `host` answered a fetch.
    /// The store's work runs off the cooperative pool; the fetch is network I/O.
    func use(_ request: MailboxUseRequest) async throws(ControlError) -> MailboxStatus {
        let (host, card) = try await off { () throws(ControlError) in
            let host = try find(request.host)
            return (host, try ControlError.storeCall(logger: logger) { try store.card(of: host) })
        }
        guard let hostEndpoint = card.endpoints.first(where: { Mailbox.address(of: $0) == nil }) else {
            throw .invalidArgument("\"\(host.name)\"'s card lists no endpoint of its own: it cannot host a mailbox")
        }
        let endpoint = Mailbox.endpoint(
            hostEndpoint: hostEndpoint, host: host.signingKey, box: Mailbox.box(host: host.signingKey, owner: keys.signing.publicKey))
        guard endpoint.utf8.count <= ContactCard.urlLimit else {
            throw .invalidArgument("the mailbox endpoint at \"\(host.name)\" would be longer than \(ContactCard.urlLimit) bytes: its own endpoint is too long")
        }
        if let failure = await probe(host, card) {
            if failure == "no-mailbox" { throw .mailboxNotGranted(host: host.name) }
            throw .mailboxUnreachable(host: host.name, reason: failure)
        }
        return try await off { () throws(ControlError) in
            try ControlError.storeCall(logger: logger) { try store.useMailbox(hostContactID: host.id, only: request.only ?? false, at: clock.now) }
            logger.info("mailbox in use", metadata: ["host": "\(host.id)"])
            try publish()
            return try status()
        }
    }

    private func off<T: Sendable>(_ body: @escaping @Sendable () throws(ControlError) -> T) async throws(ControlError) -> T {
        do {
            return try await offPool { try body() }
        } catch let error as ControlError {
            throw error
        } catch {
            throw .internalError(reason: "\(type(of: error))")
        }
    }

    func drop() throws(ControlError) -> MailboxStatus {
        guard try ControlError.storeCall(logger: logger, { try store.dropMailbox() }) else { throw .mailboxNotFound(name: nil) }
        logger.info("mailbox dropped")
        try publish()
        return try status()
    }

    func status() throws(ControlError) -> MailboxStatus {
        try ControlError.storeCall(logger: logger) {
            let uses = try store.mailboxUse().flatMap { use -> UsedMailbox? in
                guard let host = try store.contact(id: use.hostContactID), let endpoint = try ownCard.mailboxEndpoint(use) else { return nil }
                return UsedMailbox(
                    host: host.name, endpoint: endpoint, only: use.only, since: use.since, lastFetchAt: use.lastFetchAt,
                    lastError: use.lastError, waiting: use.waiting)
            }
            return MailboxStatus(uses: uses, hosts: try hosted())
        }
    }

    private func hosted() throws(ControlError) -> [HostedMailbox] {
        try ControlError.storeCall(logger: logger) {
            try store.mailboxGrants().map { entry in
                HostedMailbox(
                    contact: entry.name, grantedAt: entry.grant.grantedAt, messageLimit: entry.grant.limits.messages,
                    byteLimit: entry.grant.limits.bytes, ttlSeconds: Int(entry.grant.limits.ttl), waitingMessages: entry.messages,
                    waitingBytes: entry.bytes, lastFetchAt: entry.grant.lastFetchAt)
            }
        }
    }

    /// The card changes with the mailbox: contacts are sent the new one, and the fetcher starts or stops.
    private func publish() throws(ControlError) {
        _ = try ControlError.storeCall(logger: logger) { try ownCard.make() }
        fetcherWakeup.nudge()
    }

    private func find(_ name: String) throws(ControlError) -> ContactRecord {
        guard let record = try ControlError.storeCall(logger: logger, { try store.contact(named: name) }) else {
            throw .contactNotFound(name: name)
        }
        return record
    }
}
