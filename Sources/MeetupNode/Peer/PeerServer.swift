import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// The peer listener (`--listen`): where contacts' nodes reach this one. For now it answers
/// `GET /v1/health`.
struct PeerServer: Service {
    let node: Node

    static func router(node: Node) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/v1/health") { _, _ in PeerHealth(status: "ok") }
        return router
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

struct PeerHealth: ResponseEncodable {
    let status: String
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
