import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import MeetupProtocol
import NIOCore
import ServiceLifecycle

/// The peer listener (`--listen`): where contacts' nodes reach this one. `POST /v1/envelope` takes a
/// sealed envelope and answers with a sealed receipt (docs/PROTOCOL.md, "The HTTP exchange");
/// `GET /healthz` says whether it is healthy (Health.swift); the phone's routes are in PhoneRoutes.swift.
struct PeerServer: Service {
    let inbox: Inbox
    /// Deposits and fetches of the mailboxes this node hosts.
    let mailboxes: MailboxHost
    let ownTracks: OwnTracksReceiver
    let page: CheckInPage
    let pinChecks: PINCheckGate
    /// The health report; with the backlog's figures only for a caller on this machine.
    let health: @Sendable (_ withBacklog: Bool) -> HealthReport
    /// Bodies read at once.
    let envelopeSlots: EnvelopeSlots
    let counters: EnvelopeCounters
    let listen: ListenAddress
    let connectionLimit: Int
    /// Told the bound address (port 0 becomes a real port) once the listener serves.
    let bound: @Sendable (ListenAddress) async -> Void
    let logger: Logger

    /// The routes, without a listener: tests drive them through `.router`.
    var router: Router<PeerRequestContext> {
        let router = Router(context: PeerRequestContext.self)
        router.add(middleware: NotFoundPageMiddleware())
        let (inbox, health, envelopeSlots, counters) = (inbox, health, envelopeSlots, counters)
        router.get("/healthz") { _, context -> Response in
            let report = health(context.fromLoopback)
            let data = (try? JSONEncoder().encode(report)) ?? Data()
            return Response(
                status: report.healthy ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.post("/v1/envelope") { request, _ -> Response in
            // The router also matches `/v1/envelope/`, `//v1/envelope` and a query: the target is this, exactly.
            guard request.head.path == "/v1/envelope" else { return PhoneRoutes.notFound }
            // At most `concurrentLimit` bodies are read at once, so a flood of 8 MiB posts cannot fill memory;
            // the others are asked to retry, as a sender does with any 503.
            guard envelopeSlots.take() else {
                counters.refused("busy")
                return Self.jsonError(status: 503, code: "unavailable", message: "too many envelopes at once; retry")
            }
            defer { envelopeSlots.give() }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Envelope.sizeLimit)
            } catch {
                counters.refused(EnvelopeError.tooLarge.code)
                return Self.refusal(.tooLarge)
            }
            let sealed = Data(body.readableBytesView)
            switch try await offPool({ inbox.receive(sealed) }) {
            case let .reply(reply):
                return Response(
                    status: .ok, headers: [.contentType: "application/octet-stream"],
                    body: .init(byteBuffer: ByteBuffer(bytes: reply.sealed)))
            case let .refused(error):
                return Self.refusal(error)
            case .unavailable:
                return Self.jsonError(status: 503, code: "unavailable", message: "the node cannot store the envelope now")
            }
        }
        MailboxRoutes.add(to: router, host: mailboxes, envelopeSlots: envelopeSlots, counters: counters)
        PhoneRoutes.add(to: router, ownTracks: ownTracks, page: page, pinChecks: pinChecks)
        return router
    }

    static func refusal(_ error: EnvelopeError) -> Response {
        jsonError(status: error.httpStatus, code: error.code, message: error.description)
    }

    static func jsonError(status: Int, code: String, message: String) -> Response {
        let body = PeerErrorBody(error: .init(code: code, message: message))
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        return Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A connection that sends no complete request head for this long is closed (slowloris), and so is an
    /// idle kept-alive one.
    static let idleTimeout = TimeAmount.seconds(10)
    /// A request's body must have arrived this long after its head.
    static let requestTimeout = TimeAmount.seconds(30)

    /// The HTTP/1 server with the listener's limits: idle and request timeouts, and the body limit enforced
    /// before reading (PeerConnectionGuard.swift), an envelope so refused counted as `too-large`.
    static func server(counters: EnvelopeCounters) -> HTTPServerBuilder {        let refused: @Sendable (String) -> Void = { path in
            if path.hasPrefix("/v1/envelope") { counters.refused(EnvelopeError.tooLarge.code) }
        }
        return .http1(
            configuration: .init(
                additionalChannelHandlers: [
                    PeerConnectionGuard(bodyLimit: Envelope.sizeLimit, requestTimeout: requestTimeout, refused: refused)
                ],
                idleTimeout: idleTimeout))
    }

    func run() async throws {
        let (listen, bound, logger) = (listen, bound, logger)
        // Past the connection limit, new connections wait in the kernel's backlog, not in this process:
        // file descriptors stay free for the alerts this node sends.
        let app = Application(
            router: router,
            server: Self.server(counters: counters),
            configuration: .init(
                address: .hostname(listen.host, port: listen.port),
                availableConnectionsDelegate: .maximum(connectionLimit, logger: logger)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listen.port
                await bound(ListenAddress(host: listen.host, port: port))
                logger.info("peer listener ready", metadata: ["port": "\(port)"])
            },
            logger: logger)
        do {
            // Long polls end at once when the node stops, so that none holds its exit.
            try await withGracefulShutdownHandler {
                try await app.run()
            } onGracefulShutdown: { [waiters = mailboxes.waiters] in
                waiters.close()
            }
        } catch {
            throw ListenFailure.map(error, address: listen.description)
        }
    }
}

/// Turns a failed bind into a one-line start error naming the address or socket.
enum ListenFailure {
    static func map(_ error: any Error, address: String) -> any Error {
        guard let error = error as? IOError else { return error }
        if error.errnoCode == EADDRINUSE { return NodeStartError.listenAddressInUse(address) }
        return NodeStartError.cannotListen(address, reason: String(cString: strerror(error.errnoCode)))
    }

    static func map(_ error: any Error, socketPath: String) -> any Error {
        guard let error = error as? IOError else { return error }
        return NodeStartError.cannotServeControlSocket(socketPath, reason: String(cString: strerror(error.errnoCode)))
    }
}
