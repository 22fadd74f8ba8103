import Foundation
import Hummingbird
import MeetupControl
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The control API: HTTP/JSON on `<home>/meetupd.sock` (0600). `meetupctl` is only a client of it.
struct ControlServer: Service {
    let node: Node

    /// The routes, without a socket: tests drive them through `.router`.
    static func router(node: Node) -> Router<ControlRequestContext> {
        let router = Router(context: ControlRequestContext.self)
        router.add(middleware: ControlErrorMiddleware())
        router.get("/v1/status") { _, _ in try node.status() }
        return router
    }

    func run() async throws {
        let socketPath = node.configuration.home.controlSocketPath
        let app = Application(
            router: Self.router(node: node),
            configuration: .init(address: .unixDomainSocket(path: socketPath)),
            onServerRunning: { _ in
                // The home is 0700 already; 0600 on the socket says the same thing twice, on purpose.
                chmod(socketPath, 0o600)
            },
            logger: node.logger)
        do {
            try await app.run()
        } catch {
            throw ListenFailure.map(error, socketPath: socketPath)
        }
        unlink(socketPath)
    }
}

extension NodeStatus: ResponseEncodable {}
