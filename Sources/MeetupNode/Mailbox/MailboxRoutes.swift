import Foundation
import Hummingbird
import MeetupProtocol
import NIOCore

/// The mailbox routes of the peer listener (docs/PROTOCOL.md, "Mailboxes"): deposits at
/// `/v1/mailbox/<host key>/<box>/v1/envelope`, so that a sender that knows nothing of mailboxes POSTs to a
/// mailbox endpoint as to any; and the owner's fetch at `/v1/mailbox/fetch`. Bodies take the same slots as
/// envelopes: a flood of 8 MiB deposits cannot fill memory either.
enum MailboxRoutes {
    /// A fetch request is one small envelope.
    static let fetchBodyLimit = 64 << 10

    static func add(to router: Router<PeerRequestContext>, host: MailboxHost, envelopeSlots: EnvelopeSlots, counters: EnvelopeCounters) {
        router.post("/v1/mailbox/{key}/{box}/v1/envelope") { request, context -> Response in
            let key = try context.parameters.require("key")
            let box = try context.parameters.require("box")
            guard request.head.path == "/v1/mailbox/\(key)/\(box)/v1/envelope" else { return PhoneRoutes.notFound }
            return await withSlot(envelopeSlots, counters: counters) {
                let body: ByteBuffer
                do { body = try await request.body.collect(upTo: Envelope.sizeLimit) } catch { return PeerServer.refusal(.tooLarge) }
                let envelope = Data(body.readableBytesView)
                return response(await offPoolAnswer { host.deposit(envelope, hostKey: key, box: box) })
            }
        }
        router.post("/v1/mailbox/fetch") { request, _ -> Response in
            guard request.head.path == Mailbox.fetchPath else { return PhoneRoutes.notFound }
            // The body is read and opened under a slot, like an envelope's; the wait that follows is not.
            let sealed: Data? = await withSlotValue(envelopeSlots, counters: counters) {
                (try? await request.body.collect(upTo: fetchBodyLimit)).map { Data($0.readableBytesView) }
            }
            guard let sealed else { return PeerServer.jsonError(status: 503, code: "unavailable", message: "busy or too large; retry") }
            return response(await host.fetch(sealed))
        }
    }

    /// `body` under a slot, or nil at once when every slot is taken.
    private static func withSlotValue<T: Sendable>(
        _ slots: EnvelopeSlots, counters: EnvelopeCounters, _ body: () async -> T?
    ) async -> T? {
        guard slots.take() else {
            counters.refused("busy")
            return nil
        }
        defer { slots.give() }
        return await body()
    }

    private static func withSlot(
        _ slots: EnvelopeSlots, counters: EnvelopeCounters, _ body: () async -> Response
    ) async -> Response {
        await withSlotValue(slots, counters: counters, body)
            ?? PeerServer.jsonError(status: 503, code: "unavailable", message: "too many envelopes at once; retry")
    }

    /// The store's work off the cooperative pool; an error there is the host's, retried by the sender.
    private static func offPoolAnswer(_ body: @escaping @Sendable () -> MailboxHost.Answer) async -> MailboxHost.Answer {
        (try? await offPool(body)) ?? .unavailable
    }

    private static func response(_ answer: MailboxHost.Answer) -> Response {
        switch answer {
        case let .body(status, data):
            Response(
                status: .init(code: status), headers: [.contentType: "application/octet-stream"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        case let .refused(status, code, message):
            PeerServer.jsonError(status: status, code: code, message: message)
        }
    }
}
