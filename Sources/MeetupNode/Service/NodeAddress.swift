import Foundation
import Logging
import MeetupProtocol
import Synchronization

/// Where this node is reached: the configured `--advertise` URL, else the peer listener's address once it
/// is bound (port 0 becomes a real port). Given to what prints URLs: cards, links, OwnTracks.
final class NodeAddress: Sendable {
    let advertise: String?
    private let bound = Mutex<ListenAddress?>(nil)

    init(advertise: String?) {
        self.advertise = advertise
    }

    /// The peer listener's address once bound.
    var listen: ListenAddress? { bound.withLock { $0 } }

    func bind(_ address: ListenAddress) {
        bound.withLock { $0 = address }
    }

    /// The advertised URL: the configured one, else `http://` and the bound listen address.
    var url: String? {
        advertise ?? listen.map { "http://\($0)" }
    }

    /// `path` on the advertised URL (`/c/...`, `/v1/owntracks`): what the phone is given.
    func url(path: String) -> String? {
        url.map { ($0.hasSuffix("/") ? String($0.dropLast()) : $0) + path }
    }
}

/// This node's own contact card, signed when asked from its keys, name and advertised URL.
struct OwnCard: Sendable {
    let keys: NodeKeys
    let name: String
    let address: NodeAddress
    let store: Store
    let startedAt: Date

    func make() throws -> ContactCard {
        guard let url = address.url else { throw CardError.badEndpoint }
        return try ContactCard(
            signing: keys.signing, sealingKey: keys.sealing.publicKey, created: try store.createdAt() ?? startedAt,
            name: name, endpoints: [url])
    }
}

/// Counts the listeners serving; when both the peer listener and the control socket are, tells systemd
/// (`Type=notify`) and the log that the node is ready.
final class Readiness: Sendable {
    private let serving = Mutex(0)
    private let address: NodeAddress
    private let logger: Logger

    init(address: NodeAddress, logger: Logger) {
        self.address = address
        self.logger = logger
    }

    /// Called once by each listener when it serves.
    func listenerServing() {
        let count = serving.withLock { count in
            count += 1
            return count
        }
        guard count == 2 else { return }
        let peer = address.listen.map { "\($0)" } ?? "?"
        SystemdNotify.send("READY=1\nSTATUS=serving peers on \(peer)")
        logger.info("ready", metadata: ["listen": "\(peer)"])
    }
}
