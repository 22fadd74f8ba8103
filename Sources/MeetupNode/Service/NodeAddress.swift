import Foundation
import Logging
import MeetupProtocol
import Synchronization

/// Where this node is reached: the configured `--advertise` URL, else the peer listener's address once it
/// is bound (port 0 becomes a real port). Given to what prints URLs: cards, links, OwnTracks.
final class NodeAddress: Sendable {
    let advertise: String?
    private let bound = Mutex<ListenAddress?>(nil)

    init(advertise: String?) {
        self.advertise = advertise
    }

    /// The peer listener's address once bound.
    var listen: ListenAddress? { bound.withLock { $0 } }

    func bind(_ address: ListenAddress) {
        bound.withLock { $0 = address }
    }

    /// The advertised URL: the configured one, else `http://` and the bound listen address.
    var url: String? {
        advertise ?? listen.map { "http://\($0)" }
    }

    /// `path` on the advertised URL (`/c/...`, `/v1/owntracks`): what the phone is given.
    func url(path: String) -> String? {
        url.map { ($0.hasSuffix("/") ? String($0.dropLast()) : $0) + path }
    }
}

/// This node's own contact card: the one published last while its name and endpoints stay the same (the
/// same bytes every time), else a new one, signed with a later `created` and sent to every contact as a
/// card update (docs/PROTOCOL.md, "card-update"), so that they reach this node without pairing again.
struct OwnCard: Sendable {
    let keys: NodeKeys
    let name: String
    let address: NodeAddress
    let store: Store
    let clock: any WallClock
    /// Seals the card updates.
    let signer: EnvelopeSigner
    let startedAt: Date

    func make() throws -> ContactCard {
        guard let url = address.url else { throw CardError.badEndpoint }
        let now = clock.now
        let nodeCreated = try store.createdAt() ?? startedAt
        let endpoints = try endpoints(own: url)
        let sign = { (created: Date) throws -> ContactCard in
            try ContactCard(signing: keys.signing, sealingKey: keys.sealing.publicKey, created: created, name: name, endpoints: endpoints)
        }
        return try store.ownCard(
            make: { published, hasContacts in
                // The first card is dated by the node's creation; on a node that had contacts before cards were
                // kept, they may hold another: it is dated now and sent to them.
                guard let published else { return try sign(hasContacts ? now : nodeCreated) }
                if try sign(published.created).text == published.text { return nil }
                // One whole millisecond later at least (cards carry milliseconds; a Double of +0.001 may not be).
                let next = Date(timeIntervalSince1970: ((published.created.timeIntervalSince1970 * 1000).rounded() + 1.5) / 1000)
                return try sign(max(now, next))
            },
            update: { card, contact in
                signer.entry(.cardUpdate, WireJSON.encode(CardUpdateMessage(card: card.text)), to: contact, at: now)
            },
            at: now
        ).card
    }

    /// Publishes the card again if it changed, where nobody waits for the answer (at start, after a contact's
    /// card or the contact list changed): a failure is logged, and the next `make` tries again.
    func publish(logger: Logger) {
        do { _ = try make() } catch {
            logger.error("card not published", metadata: ["error_type": "\(type(of: error))"])
        }
    }

    /// What the card lists: this node's own URL, then the mailbox it uses, or the mailbox only. A mailbox
    /// whose endpoint cannot be in a card (its host's endpoint grew too long) is left out, never the card.
    private func endpoints(own url: String) throws -> [String] {
        guard let use = try store.mailboxUse(), let mailbox = try mailboxEndpoint(use), mailbox.utf8.count <= ContactCard.urlLimit
        else { return [url] }
        return use.only ? [mailbox] : [url, mailbox]
    }

    /// The endpoint of the mailbox `use` names: at its host's own endpoint, with the host's key and this
    /// node's box; nil when the host is no longer a contact or lists no endpoint of its own.
    func mailboxEndpoint(_ use: MailboxUse) throws -> String? {
        guard let host = try store.contact(id: use.hostContactID),
              let hostEndpoint = try store.card(of: host).endpoints.first(where: { Mailbox.address(of: $0) == nil })
        else { return nil }
        return Mailbox.endpoint(
            hostEndpoint: hostEndpoint, host: host.signingKey, box: Mailbox.box(host: host.signingKey, owner: keys.signing.publicKey))
    }
}

/// Counts the listeners serving; when both the peer listener and the control socket are, tells systemd
/// (`Type=notify`) and the log that the node is ready.
final class Readiness: Sendable {
    private let serving = Mutex(0)
    private let address: NodeAddress
    private let logger: Logger

    init(address: NodeAddress, logger: Logger) {
        self.address = address
        self.logger = logger
    }

    /// Called once by each listener when it serves.
    func listenerServing() {
        let count = serving.withLock { count in
            count += 1
            return count
        }
        guard count == 2 else { return }
        let peer = address.listen.map { "\($0)" } ?? "?"
        SystemdNotify.send("READY=1\nSTATUS=serving peers on \(peer)")
        logger.info("ready", metadata: ["listen": "\(peer)"])
    }
}
