import AsyncHTTPClient
import Foundation
import Logging
import MeetupCrypto
import MeetupProtocol
import NIOCore
import ServiceLifecycle
import Synchronization

/// The sending half of delivery: turns committed notices into sealed envelopes in the outbox, and sends
/// every due envelope until a valid receipt arrives or it expires (docs/PROTOCOL.md, "Delivery and
/// retries"). Like the scheduler, one loop sleeps until the next due attempt or a nudge; attempts run
/// concurrently, so one unreachable contact never delays another's alert.
struct Courier: Service {
    let store: Store
    let clock: any WallClock
    /// Signs the envelopes the notices become.
    let signer: EnvelopeSigner
    /// Opens receipts.
    let keys: NodeKeys
    let wakeup: SchedulerWakeup
    let reporter: LoopReporter
    let metrics: NodeMetrics
    /// Where envelopes go through, when not direct.
    let proxy: PeerProxy?
    let logger: Logger
    /// Attempts under way at once, to all recipients: a wave of alerts is sent as fast as the contacts take
    /// them, and no attempt waits in the HTTP client's queue long enough to time out there.
    static let inFlightLimit = 256
    /// Attempts under way at once to one contact: one slow or unreachable contact never takes every slot.
    static let perRecipientLimit = 64
    /// Kept-alive connections to one endpoint (AsyncHTTPClient's default is 8): with `perRecipientLimit`
    /// attempts, a handful wait for each connection, and the contact's node commits what arrives together.
    static let connectionsPerEndpoint = 16
    /// Notices turned into envelopes per transaction: as many as the scheduler advances plans per transaction,
    /// so that a wave of alerts leaves the single writer at the pace it came in.
    static let fanOutBatch = Scheduler.batchSize
    static let connectTimeout = TimeAmount.seconds(2)
    static let requestTimeout = TimeAmount.seconds(10)
    /// One endpoint's whole exchange, answer body included: a peer that drips its answer cannot hold a row.
    static let attemptTimeout: TimeInterval = 12
    /// An envelope being attempted is not due again for this long; the attempt's outcome sets the real
    /// next attempt well before.
    static let lease: TimeInterval = 25
    /// An envelope stored at its recipient's mailbox is tried again after this long, while its recipient's own
    /// receipt has not come back: its own endpoint may answer by then, and a host that lost it takes it again.
    static let storedRecheck: TimeInterval = 300

    func run() async throws {
        // The pool drops kept-alive connections after 5 s, under the peer listener's 10 s idle timeout, so that
        // a connection is dropped here before the peer closes it under a request.
        let transport = HTTPPeerTransport(
            proxy: proxy,
            settings: PeerHTTP.settings(
                connect: Self.connectTimeout, read: Self.requestTimeout, idle: .seconds(5), connectionsPerHost: Self.connectionsPerEndpoint,
                followRedirects: false, retryConnecting: false))
        let inFlight = InFlight()
        do {
            // Whatever was waiting when the node stopped is tried at once: a contact may be back by now.
            try await offPool { try store.rescheduleQueued(at: clock.now) }
        } catch {
            logger.critical("outbox cannot be read", metadata: ["error_type": "\(type(of: error))"])
        }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    await reporter.pass(wakeup: wakeup) {
                        let now = clock.now
                        // Disk full, I/O, busy: notices stay queued in order and envelopes keep their rows, and
                        // a failed fan-out never stops the sending of what is already queued.
                        var failure: (any Error)?
                        do {
                            try await offPool { try fanOut(at: now) }
                        } catch {
                            failure = error
                        }
                        let due: [DueEnvelope]
                        let recipients: [Int64: Recipient]
                        do {
                            let (free, underWay) = inFlight.room(limit: Self.inFlightLimit)
                            (due, recipients) = try await offPool {
                                let due = free == 0 ? [] : try store.dueEnvelopes(
                                    now: now, limit: free, perRecipient: Self.perRecipientLimit, underWay: underWay, lease: Self.lease)
                                return (due, self.recipients(of: due))
                            }
                        } catch {
                            throw failure ?? error
                        }
                        for envelope in due where inFlight.claim(envelope) {
                            // A finished attempt commits its outcome, which wakes this loop.
                            let recipient = recipients[envelope.seq] ?? .unreadable("no recipient read")
                            group.addTask {
                                await attempt(envelope, to: recipient, transport: transport)
                                inFlight.release(envelope)
                                // The outcome's commit woke the loop already, maybe before this slot was free.
                                wakeup.nudge()
                            }
                        }
                        if let failure { throw failure }
                        // More than one batch of notices: come back at once. Nothing more could be taken (every slot
                        // taken, or what is due goes to contacts at their share): the attempts wake the loop as they
                        // end (and a second passes in any case), so that it never spins on rows it cannot take.
                        let (pending, next) = try await offPool { (try store.pendingNoticeCount() > 0, try store.earliestAttempt()) }
                        let blocked = due.isEmpty && next.map { $0 <= now } == true
                        let soonest = blocked ? next.map { max($0, now.addingTimeInterval(1)) } : next
                        return pending ? min(soonest ?? .distantFuture, now.addingTimeInterval(0.05)) : soonest
                    }
                }
                group.cancelAll()
            }
        }
        await transport.shutdown()
    }

    /// Turns committed notices into envelopes, sealed at `now`.
    func noticeFanOut(at now: Date) -> NoticeFanOut {
        NoticeFanOut(store: store, seal: signer.sealers(at: now).contact, newID: { RandomID.make() })
    }

    /// Turns committed notices into envelopes, sealed now.
    func fanOut(at now: Date) throws {
        for id in try noticeFanOut(at: now).run(limit: Self.fanOutBatch, now: now).failed {
            logger.critical("notice row damaged; set aside", metadata: ["notice": "\(id)"])
        }
    }

    /// Whom each of `due` goes to (by outbox row), each contact read and its card verified once per pass.
    func recipients(of due: [DueEnvelope]) -> [Int64: Recipient] {
        var contacts: [Int64: Recipient] = [:]
        var recipients: [Int64: Recipient] = [:]
        for envelope in due {
            guard let id = envelope.contactID else {
                recipients[envelope.seq] = envelope.card.map(Recipient.card) ?? .gone("no recipient")
                continue
            }
            if contacts[id] == nil {
                do {
                    contacts[id] = try store.contact(id: id).map { .card(try store.card(of: $0)) } ?? .gone("contact removed")
                } catch {
                    // Unreadable now (busy, I/O, a damaged row): tried again later, never failed for good.
                    contacts[id] = .unreadable("\(type(of: error))")
                }
            }
            recipients[envelope.seq] = contacts[id]
        }
        return recipients
    }

    /// One attempt: POST to each of the recipient's endpoints in turn until one answers with a valid receipt.
    func attempt(_ envelope: DueEnvelope, to recipient: Recipient, transport: any PeerTransport) async {
        let outcome: AttemptOutcome
        switch recipient {
        case let .card(card):
            do {
                outcome = try await send(envelope, to: card, transport: transport)
            } catch {
                outcome = .retry("\(type(of: error))")
            }
        case let .gone(reason):
            outcome = .failed(reason)
        case let .unreadable(reason):
            outcome = .retry(reason)
        }
        let backoff = envelope.type == .alert ? Backoff.alert : Backoff.other
        do {
            try await offPool { try record(outcome, of: envelope, backoff: backoff) }
        } catch {
            logger.critical("outbox update failed", metadata: ["reason": "\(Store.describeForLog(error))"])
        }
    }

    /// What an attempt's outcome does to the envelope's row, the log and the metrics.
    private func record(_ outcome: AttemptOutcome, of envelope: DueEnvelope, backoff: Backoff) throws {
        switch outcome {
        case .delivered:
            try store.markDelivered(seq: envelope.seq, at: clock.now)
            if !envelope.silent {
                logger.info("envelope delivered", metadata: ["seq": "\(envelope.seq)", "type": "\(envelope.type)"])
                metrics.envelopeDelivered(type: envelope.type.description, after: clock.now.timeIntervalSince(envelope.createdAt))
            }
        case let .retry(reason):
            let next = clock.now.addingTimeInterval(backoff.delay(afterAttempts: envelope.attempts + 1))
            try store.markAttemptFailed(seq: envelope.seq, next: next, error: reason)
            if !envelope.silent {
                logger.debug("envelope not delivered yet", metadata: ["seq": "\(envelope.seq)", "reason": "\(reason)"])
            }
        case let .failed(reason):
            try store.markAttemptFailed(seq: envelope.seq, next: nil, error: reason)
            if !envelope.silent {
                logger.error("envelope refused for good", metadata: ["seq": "\(envelope.seq)", "reason": "\(reason)"])
            }
        case let .stored(receipt):
            let reply = envelope.type == .receipt || envelope.type == .liveness
            try store.markStored(
                seq: envelope.seq, deposit: receipt.bytes, reply: reply, next: clock.now.addingTimeInterval(Self.storedRecheck), at: clock.now)
            if !envelope.silent {
                logger.info("envelope stored at a mailbox", metadata: ["seq": "\(envelope.seq)", "type": "\(envelope.type)"])
            }
        }
    }

    /// Tries each endpoint of the contact's card in turn, its own before its mailbox when the card lists both.
    /// An answer is final only when it is the peer's own refusal (a protocol error code with 400 or 413) and no
    /// endpoint took the envelope: a stale endpoint now served by something else must not fail an alert for
    /// good. A mailbox's signed deposit receipt makes the envelope `stored`, not delivered.
    private func send(_ envelope: DueEnvelope, to card: ContactCard, transport: any PeerTransport) async throws -> AttemptOutcome {
        var retry: String?
        var final: String?
        for endpoint in card.endpoints {
            let answer: (status: Int, body: Data)
            do {
                answer = try await transport.post(envelope.sealed, to: endpoint, within: Self.attemptTimeout)
            } catch {
                retry = retry ?? "unreachable"
                continue
            }
            if let mailbox = Mailbox.address(of: endpoint) {
                if answer.status == 202, let receipt = DepositReceipt(parsing: answer.body, for: envelope.sealed, at: mailbox),
                   receipt.expiresAt > clock.now {
                    return .stored(receipt)
                }
                // A mailbox's refusals (full, revoked, busy) are the host's, never the recipient's: retried.
                retry = retry ?? (try? JSONDecoder().decode(PeerErrorBody.self, from: answer.body))?.error.code ?? "http-\(answer.status)"
                continue
            }
            if answer.status == 200 {
                if validReceipt(answer.body, for: envelope, from: card.signingKey) { return .delivered }
                retry = retry ?? "bad receipt"
                continue
            }
            let refusal = try? JSONDecoder().decode(PeerErrorBody.self, from: answer.body)
            if let refusal, answer.status == 400 || answer.status == 413 {
                final = refusal.error.code
            } else {
                retry = retry ?? refusal?.error.code ?? "http-\(answer.status)"
            }
        }
        if let final, retry == nil { return .failed(final) }
        return .retry(retry ?? final ?? "no endpoint")
    }

    /// A receipt counts only if it opens with our key, is signed by the contact for us, and names the id.
    private func validReceipt(_ sealed: Data, for envelope: DueEnvelope, from recipient: SigningPublicKey) -> Bool {
        guard let receipt = try? Envelope.open(sealed, with: keys.sealing), receipt.type == .receipt,
              receipt.sender == recipient, (try? receipt.checkTimes(now: clock.now)) != nil,
              let body = try? WireJSON.decode(ReceiptMessage.self, from: receipt.body)
        else { return false }
        return body.envelope == envelope.envelopeID.hexString
    }
}

/// Outbox rows with an attempt under way, so that a slow attempt is never doubled by the next pass, counted
/// per contact for the courier's limits.
final class InFlight: Sendable {
    private struct State {
        var seqs: Set<Int64> = []
        var perContact: [Int64: Int] = [:]
    }

    private let state = Mutex(State())

    /// Slots left under `limit`, and the attempts under way to each contact.
    func room(limit: Int) -> (free: Int, underWay: [Int64: Int]) {
        state.withLock { state in (max(0, limit - state.seqs.count), state.perContact) }
    }

    func claim(_ envelope: DueEnvelope) -> Bool {
        state.withLock { state in
            guard state.seqs.insert(envelope.seq).inserted else { return false }
            if let contact = envelope.contactID { state.perContact[contact, default: 0] += 1 }
            return true
        }
    }

    func release(_ envelope: DueEnvelope) {
        state.withLock { state in
            guard state.seqs.remove(envelope.seq) != nil, let contact = envelope.contactID else { return }
            let left = (state.perContact[contact] ?? 1) - 1
            state.perContact[contact] = left > 0 ? left : nil
        }
    }
}

/// Where an envelope goes: a card to send to, or why there is none.
enum Recipient: Sendable {
    case card(ContactCard)
    /// The contact was removed, or the row names no one: the envelope fails for good.
    case gone(String)
    /// The contact's row cannot be read now: tried again later.
    case unreadable(String)
}

enum AttemptOutcome {
    case delivered
    /// Kept by the recipient's mailbox host: its signed deposit receipt.
    case stored(DepositReceipt)
    case retry(String)
    case failed(String)
}

/// The error body of a peer's refusal, `{"error": {"code": ..., "message": ...}}`.
struct PeerErrorBody: Codable {
    struct Detail: Codable {
        var code: String
        var message: String
    }

    var error: Detail
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
