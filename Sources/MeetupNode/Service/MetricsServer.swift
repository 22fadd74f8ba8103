import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `--metrics-listen HOST:PORT`: `GET /metrics` in Prometheus's text format, on its own listener so that it
/// can stay on loopback or a monitoring network while the peer listener faces contacts. Off by default.
struct MetricsServer: Service {
    /// The series as they stand, in Prometheus's text format.
    let exposition: @Sendable () throws -> String
    let listen: ListenAddress
    let logger: Logger

    func run() async throws {
        let exposition = exposition
        let logger = logger
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            do {
                let text = try exposition()
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: text)))
            } catch {
                return PeerServer.jsonError(status: 503, code: "unavailable", message: "the store cannot be read now")
            }
        }
        let listen = listen
        let app = Application(
            router: router, configuration: .init(address: .hostname(listen.host, port: listen.port)),
            onServerRunning: { channel in
                logger.info("metrics listener ready", metadata: ["port": "\(channel.localAddress?.port ?? listen.port)"])
            },
            logger: logger)
        do {
            try await app.run()
        } catch {
            throw ListenFailure.map(error, address: listen.description)
        }
    }
}
