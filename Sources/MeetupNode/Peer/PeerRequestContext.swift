import Hummingbird
import NIOCore

/// The peer listener's request context: Hummingbird's basic one plus the caller's address, so that
/// `/healthz` tells the outbox backlog only to the machine itself.
struct PeerRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// Whether the caller is on this machine (loopback), where a monitor runs.
    var fromLoopback: Bool {
        guard let address = remoteAddress?.ipAddress else { return false }
        return address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.")
    }
}
