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
    let node: Node
    static let batchSize = 32
    static let connectTimeout = TimeAmount.seconds(2)
    static let requestTimeout = TimeAmount.seconds(10)
    /// One endpoint's whole exchange, answer body included: a peer that drips its answer cannot hold a row.
    static let attemptTimeout: TimeInterval = 12
    /// An envelope being attempted is not due again for this long; the attempt's outcome sets the real
    /// next attempt well before.
    static let lease: TimeInterval = 25

    func run() async throws {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: Self.connectTimeout, read: Self.requestTimeout))
        configuration.redirectConfiguration = .disallow
        // Under the peer listener's 10 s idle timeout, so that a kept-alive connection is dropped here before
        // the peer closes it under a request.
        configuration.connectionPool.idleTimeout = .seconds(5)
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let inFlight = InFlight()
        do {
            // Whatever was waiting when the node stopped is tried at once: a contact may be back by now.
            let node = node
            try await offPool { try node.store.rescheduleQueued(at: node.clock.now) }
        } catch {
            node.logger.critical("outbox cannot be read", metadata: ["error_type": "\(type(of: error))"])
        }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    let now = node.clock.now
                    let node = node
                    // Disk full, I/O, busy: notices stay queued in order and envelopes keep their rows, and
                    // a failed fan-out never stops the sending of what is already queued.
                    var failure: (any Error)?
                    do {
                        let fanOut = node.noticeFanOut
                        let setAside = try await offPool { try fanOut.run(limit: 64, now: now).failed }
                        for id in setAside { node.logger.critical("notice row damaged; set aside", metadata: ["notice": "\(id)"]) }
                    } catch {
                        failure = error
                    }
                    do {
                        let due = try await offPool { try node.store.dueEnvelopes(now: now, limit: Self.batchSize, lease: Self.lease) }
                        for envelope in due where inFlight.claim(envelope.seq) {
                            group.addTask {
                                await attempt(envelope, http: http)
                                inFlight.release(envelope.seq)
                                node.courierWakeup.nudge()
                            }
                        }
                        // More than one batch of notices: come back at once.
                        let (pending, next) = try await offPool { (try node.store.pendingNoticeCount() > 0, try node.store.earliestAttempt()) }
                        if failure == nil {
                            node.passSucceeded(.courier)
                            let wake = pending ? min(next ?? .distantFuture, now.addingTimeInterval(0.05)) : next
                            await node.courierWakeup.wait(until: wake, clock: node.clock)
                            continue
                        }
                    } catch {
                        failure = failure ?? error
                    }
                    // Attempts already under way go on; the pass is tried again with capped backoff.
                    // Finished attempts nudge the courier; they do not cut this wait short.
                    if let failure { try? await node.clock.sleep(until: node.passFailed(.courier, failure)) }
                }
                group.cancelAll()
            }
        }
        try? await http.shutdown()
    }

    /// One attempt: POST to each of the contact's endpoints in turn until one answers with a valid receipt.
    func attempt(_ envelope: DueEnvelope, http: HTTPClient) async {
        let outcome: AttemptOutcome
        do {
            outcome = try await send(envelope, http: http)
        } catch {
            outcome = .retry("\(type(of: error))")
        }
        let backoff = envelope.type == "alert" ? Backoff.alert : Backoff.other
        let node = node
        do {
            try await offPool { try record(outcome, of: envelope, backoff: backoff) }
        } catch {
            node.logger.critical("outbox update failed", metadata: ["reason": "\(Store.describeForLog(error))"])
        }
    }

    /// What an attempt's outcome does to the envelope's row, the log and the metrics.
    private func record(_ outcome: AttemptOutcome, of envelope: DueEnvelope, backoff: Backoff) throws {
        switch outcome {
        case .delivered:
            try node.store.markDelivered(seq: envelope.seq, at: node.clock.now)
            if !envelope.silent {
                node.logger.info("envelope delivered", metadata: ["seq": "\(envelope.seq)", "type": "\(envelope.type)"])
                node.metrics.envelopeDelivered(type: envelope.type, after: node.clock.now.timeIntervalSince(envelope.createdAt))
            }
        case let .retry(reason):
            let next = node.clock.now.addingTimeInterval(backoff.delay(afterAttempts: envelope.attempts + 1))
            try node.store.markAttemptFailed(seq: envelope.seq, next: next, error: reason)
            if !envelope.silent {
                node.logger.debug("envelope not delivered yet", metadata: ["seq": "\(envelope.seq)", "reason": "\(reason)"])
            }
        case let .failed(reason):
            try node.store.markAttemptFailed(seq: envelope.seq, next: nil, error: reason)
            if !envelope.silent {
                node.logger.error("envelope refused for good", metadata: ["seq": "\(envelope.seq)", "reason": "\(reason)"])
            }
        }
    }

    /// Tries each endpoint of the contact's card in turn. An answer is final only when it is the peer's own
    /// refusal (a protocol error code with 400 or 413) and no endpoint took the envelope: a stale endpoint now
    /// served by something else must not fail an alert for good.
    private func send(_ envelope: DueEnvelope, http: HTTPClient) async throws -> AttemptOutcome {
        let card: ContactCard
        if let contactID = envelope.contactID {
            let node = node
            guard let found = try await offPool({ try node.store.contact(id: contactID).map { try node.store.card(of: $0) } }) else {
                return .failed("contact removed")
            }
            card = found
        } else if let recipient = envelope.card {
            card = recipient
        } else {
            return .failed("no recipient")
        }
        var retry: String?
        var final: String?
        for endpoint in card.endpoints {
            let answer: (status: Int, body: Data)
            do {
                answer = try await postEnvelope(envelope.sealed, to: endpoint, http: http, within: Self.attemptTimeout)
            } catch {
                retry = retry ?? "unreachable"
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
        guard let receipt = try? Envelope.open(sealed, with: node.keys.sealing), receipt.type == .receipt,
              receipt.sender == recipient, (try? receipt.checkTimes(now: node.clock.now)) != nil,
              let body = try? WireJSON.decode(ReceiptMessage.self, from: receipt.body)
        else { return false }
        return body.envelope == envelope.envelopeID.hexString
    }
}

/// Outbox rows with an attempt under way, so that a slow attempt is never doubled by the next pass.
final class InFlight: Sendable {
    private let seqs = Mutex<Set<Int64>>([])

    func claim(_ seq: Int64) -> Bool {
        seqs.withLock { $0.insert(seq).inserted }
    }

    func release(_ seq: Int64) {
        _ = seqs.withLock { $0.remove(seq) }
    }
}

/// POSTs a sealed envelope to `<endpoint>/v1/envelope` and reads the whole answer, all within `seconds`
/// (a peer that drips its answer cannot hold the caller).
func postEnvelope(_ sealed: Data, to endpoint: String, http: HTTPClient, within seconds: TimeInterval) async throws
    -> (status: Int, body: Data)
{
    var request = HTTPClientRequest(url: endpoint.trimmingSuffix("/") + "/v1/envelope")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/octet-stream")
    request.body = .bytes(ByteBuffer(bytes: sealed))
    let prepared = request
    return try await withDeadline(seconds) {
        let response = try await http.execute(prepared, timeout: .seconds(Int64(seconds.rounded(.up))))
        let body = try await response.body.collect(upTo: 64 << 10)
        return (Int(response.status.code), Data(body.readableBytesView))
    }
}

/// Runs `body`, or throws `DeadlineExceeded` once `seconds` have passed (the body is cancelled).
func withDeadline<T: Sendable>(_ seconds: TimeInterval, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw DeadlineExceeded() }
        return first
    }
}

struct DeadlineExceeded: Error {}

enum AttemptOutcome {
    case delivered
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
