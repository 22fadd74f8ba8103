import Foundation
import Hummingbird
import MeetupProtocol
import NIOCore
import ServiceLifecycle

/// The peer listener (`--listen`): where contacts' nodes reach this one. `POST /v1/envelope` takes a
/// sealed envelope and answers with a sealed receipt (docs/PROTOCOL.md, "The HTTP exchange");
/// `GET /healthz` says whether it is healthy (Health.swift); the phone's routes are in PhoneRoutes.swift.
struct PeerServer: Service {
    let node: Node

    static func router(node: Node) -> Router<PeerRequestContext> {
        let router = Router(context: PeerRequestContext.self)
        let inbox = Inbox(node: node)
        router.get("/healthz") { _, context -> Response in
            let report = node.health(withBacklog: context.fromLoopback)
            let data = (try? JSONEncoder().encode(report)) ?? Data()
            return Response(
                status: report.healthy ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.post("/v1/envelope") { request, _ -> Response in
            // At most `concurrentLimit` bodies are read at once, so a flood of 8 MiB posts cannot fill memory;
            // the others are asked to retry, as a sender does with any 503.
            guard node.envelopeSlots.take() else {
                node.envelopeCounters.refused("busy")
                return jsonError(status: 503, code: "unavailable", message: "too many envelopes at once; retry")
            }
            defer { node.envelopeSlots.give() }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Envelope.sizeLimit)
            } catch {
                node.envelopeCounters.refused(EnvelopeError.tooLarge.code)
                return refusal(.tooLarge)
            }
            switch inbox.receive(Data(body.readableBytesView)) {
            case let .reply(sealed):
                return Response(
                    status: .ok, headers: [.contentType: "application/octet-stream"],
                    body: .init(byteBuffer: ByteBuffer(bytes: sealed)))
            case let .refused(error):
                return refusal(error)
            case .unavailable:
                return jsonError(status: 503, code: "unavailable", message: "the node cannot store the envelope now")
            }
        }
        PhoneRoutes.add(to: router, node: node)
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

    func run() async throws {
        let listen = node.configuration.listen
        let node = node
        let app = Application(
            router: Self.router(node: node),
            configuration: .init(address: .hostname(listen.host, port: listen.port)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listen.port
                node.listenerBound(ListenAddress(host: listen.host, port: port))
                node.logger.info("peer listener ready", metadata: ["port": "\(port)"])
            },
            logger: node.logger)
        do {
            try await app.run()
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
