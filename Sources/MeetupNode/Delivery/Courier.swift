import AsyncHTTPClient
import Foundation
import Logging
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
    /// An envelope being attempted is not due again for this long; the attempt's outcome sets the real
    /// next attempt well before.
    static let lease: TimeInterval = 25

    func run() async throws {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: Self.connectTimeout, read: Self.requestTimeout))
        configuration.redirectConfiguration = .disallow
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let inFlight = InFlight()
        do {
            // Whatever was waiting when the node stopped is tried at once: a contact may be back by now.
            try node.store.rescheduleQueued(at: node.clock.now)
        } catch {
            node.logger.critical("outbox cannot be read", metadata: ["error_type": "\(type(of: error))"])
        }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    do {
                        let now = node.clock.now
                        _ = try node.store.fanOut(limit: 64, now: now, seal: node.sealer)
                        let due = try node.store.dueEnvelopes(now: now, limit: Self.batchSize, lease: Self.lease)
                        for envelope in due where inFlight.claim(envelope.seq) {
                            group.addTask {
                                await attempt(envelope, http: http)
                                inFlight.release(envelope.seq)
                                node.courierWakeup.nudge()
                            }
                        }
                        if try node.store.pendingNoticeCount() == 0 {
                            await node.courierWakeup.wait(until: try node.store.earliestAttempt(), clock: node.clock)
                        }
                    } catch {
                        node.logger.critical("courier pass failed", metadata: ["error_type": "\(type(of: error))"])
                        await node.courierWakeup.wait(until: node.clock.now.addingTimeInterval(1), clock: node.clock)
                    }
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
        do {
            switch outcome {
            case .delivered:
                try node.store.markDelivered(seq: envelope.seq, at: node.clock.now)
                if !envelope.silent {
                    node.logger.info("envelope delivered", metadata: ["seq": "\(envelope.seq)", "type": "\(envelope.type)"])
                }
            case let .retry(reason):
                let next = node.clock.now.addingTimeInterval(backoff.delay(afterAttempts: envelope.attempts))
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
        } catch {
            node.logger.critical("outbox update failed", metadata: ["error_type": "\(type(of: error))"])
        }
    }

    private func send(_ envelope: DueEnvelope, http: HTTPClient) async throws -> AttemptOutcome {
        guard let contact = try node.store.contact(id: envelope.contactID) else { return .failed("contact removed") }
        let card = try node.store.card(of: contact)
        var outcome = AttemptOutcome.retry("no endpoint")
        for endpoint in card.endpoints {
            var request = HTTPClientRequest(url: endpoint.trimmingSuffix("/") + "/v1/envelope")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/octet-stream")
            request.body = .bytes(ByteBuffer(bytes: envelope.sealed))
            let response: HTTPClientResponse
            let body: ByteBuffer
            do {
                response = try await http.execute(request, timeout: Self.requestTimeout)
                body = try await response.body.collect(upTo: 64 << 10)
            } catch {
                outcome = .retry("unreachable")
                continue
            }
            let status = Int(response.status.code)
            if status == 200 {
                return validReceipt(Data(body.readableBytesView), for: envelope, from: contact) ? .delivered : .retry("bad receipt")
            }
            let code = (try? JSONDecoder().decode(PeerErrorBody.self, from: Data(body.readableBytesView)))?.error.code ?? "http-\(status)"
            outcome = status == 400 || status == 413 ? .failed(code) : .retry(code)
            if case .failed = outcome { return outcome }
        }
        return outcome
    }

    /// A receipt counts only if it opens with our key, is signed by the contact for us, and names the id.
    private func validReceipt(_ sealed: Data, for envelope: DueEnvelope, from contact: ContactRecord) -> Bool {
        guard let receipt = try? Envelope.open(sealed, with: node.keys.sealing), receipt.type == .receipt,
              receipt.sender == contact.signingKey,
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

extension Store {
    func contact(id: Int64) throws -> ContactRecord? {
        try writer.read { db in try contact(db, id: id) }
    }
}
