import Foundation
import Logging
import MeetupCrypto
import MeetupProtocol

/// The host's half of mailboxes (docs/PROTOCOL.md, "Mailboxes"): anyone may deposit a sealed envelope in
/// a mailbox this node granted, within its limits, and gets a signed deposit receipt; the owner alone
/// fetches, with a signed request, and deletes what it has processed. The host never opens what it keeps.
struct MailboxHost: Sendable {
    let store: Store
    let clock: any WallClock
    let keys: NodeKeys
    let waiters: MailboxWaiters
    let logger: Logger

    /// An HTTP answer: a body (the deposit receipt, a batch) or a refusal with its code.
    enum Answer: Equatable {
        case body(status: Int, Data)
        case refused(status: Int, code: String, message: String)

        static func refusal(_ error: EnvelopeError) -> Answer {
            .refused(status: error.httpStatus, code: error.code, message: error.description)
        }

        static let noMailbox = Answer.refused(status: 404, code: "no-mailbox", message: "no such mailbox at this node")
        static let unavailable = Answer.refused(status: 503, code: "unavailable", message: "the mailbox cannot be used now; retry")
    }

    /// `POST <host>/v1/mailbox/<key>/<box>/v1/envelope`: keeps the envelope for the box's owner.
    func deposit(_ envelope: Data, hostKey: String, box: String) -> Answer {
        guard hostKey == Base64URL.encode(keys.signing.publicKey.bytes) else {
            return .refused(status: 421, code: "wrong-recipient", message: "this mailbox is not at this node (a stale endpoint)")
        }
        guard let boxBytes = Base32.decode(box), boxBytes.count == Mailbox.boxByteCount else { return .noMailbox }
        let now = clock.now
        do {
            guard let grant = try store.mailbox(box: boxBytes) else { return .noMailbox }
            switch try store.deposit(envelope, in: grant, id: SecureRandom.bytes(count: MailboxBatch.idByteCount), at: now) {
            case let .stored(depositedAt, expiresAt):
                waiters.signal(grant.contactID)
                logger.debug("envelope deposited", metadata: ["mailbox": "\(grant.contactID)", "size": "\(envelope.count)"])
                let receipt = DepositReceipt(box: boxBytes, digest: DepositReceipt.digest(of: envelope), depositedAt: depositedAt,
                                             expiresAt: expiresAt, signer: keys.signing)
                return .body(status: 202, receipt.bytes)
            case let .full(reason):
                logger.info("mailbox full; deposit refused", metadata: ["mailbox": "\(grant.contactID)"])
                return .refused(status: 507, code: "mailbox-full", message: reason)
            }
        } catch {
            logger.error("deposit not stored", metadata: ["error_type": "\(type(of: error))"])
            return .unavailable
        }
    }

    /// `POST <host>/v1/mailbox/fetch`: the owner's signed request; deletes what it names, then answers with
    /// what waits, waiting up to the asked time (at most 30 s) for a deposit when nothing does.
    func fetch(_ sealed: Data) async -> Answer {
        let now = clock.now
        let grant: MailboxGrant
        let request: MailboxFetchMessage
        do {
            let envelope = try Envelope.open(sealed, with: keys.sealing)
            guard envelope.type == .mailboxFetch else { throw EnvelopeError.unknownType(envelope.typeByte) }
            guard let owner = try await offPool({ try store.contact(signingKey: envelope.sender) }) else { throw EnvelopeError.unknownSender }
            try envelope.checkTimes(now: now)
            request = try WireJSON.decode(MailboxFetchMessage.self, from: envelope.body)
            guard let held = try await offPool({ try store.mailbox(contactID: owner.id) }), Base32.encode(held.box) == request.box else {
                return .noMailbox
            }
            grant = held
            guard request.delete.count + (request.refused?.count ?? 0) <= MailboxFetchMessage.deleteLimit, request.waitSeconds >= 0 else {
                throw EnvelopeError.badBody("at most \(MailboxFetchMessage.deleteLimit) ids to delete, and a wait of 0 s or more")
            }
            // A fetch is answered once: a request seen on the way cannot be played again to empty the mailbox.
            guard try await offPool({ try store.acceptOnce(envelopeID: envelope.id, expires: envelope.expires) { _ in } }) else {
                throw EnvelopeError.badBody("this fetch was answered before")
            }
        } catch let error as EnvelopeError {
            return .refusal(error)
        } catch {
            logger.error("fetch not answered", metadata: ["error_type": "\(type(of: error))"])
            return .unavailable
        }
        let ids = { (texts: [String]) in texts.compactMap { Data(hexString: $0) }.filter { $0.count == MailboxBatch.idByteCount } }
        let (deletes, refused) = (ids(request.delete), ids(request.refused ?? []))
        let deadline = now.addingTimeInterval(TimeInterval(min(request.waitSeconds, Mailbox.longestWait)))
        do {
            return try await waiters.holding(grant.contactID) { wakeup in
                var batch = try await offPool {
                    try store.fetchMailbox(
                        grant, delete: deletes, forget: refused, limit: MailboxBatch.messageLimit, byteLimit: MailboxBatch.byteLimit, at: now)
                }
                while batch.messages.isEmpty, let wakeup, clock.now < deadline, !waiters.isClosed, !Task.isCancelled {
                    await wakeup.wait(until: deadline, clock: clock)
                    guard try await offPool({ try store.mailboxHasWaiting(grant, at: clock.now) }) else { continue }
                    let at = clock.now
                    batch = try await offPool {
                        try store.fetchMailbox(grant, delete: [], forget: [], limit: MailboxBatch.messageLimit, byteLimit: MailboxBatch.byteLimit, at: at)
                    }
                }
                return .body(status: 200, MailboxBatch(messages: batch.messages, waiting: batch.waiting).bytes)
            }
        } catch {
            logger.error("fetch not answered", metadata: ["error_type": "\(type(of: error))"])
            return .unavailable
        }
    }
}
