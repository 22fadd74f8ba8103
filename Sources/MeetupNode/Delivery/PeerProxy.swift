import AsyncHTTPClient
import Foundation

/// Where the node's outbound peer traffic goes (`--proxy socks5h://HOST:PORT`, `--proxy-only-onion`): the
/// courier's envelopes, the watchdog's questions and the mailbox fetches, through a SOCKS5 proxy such as a
/// local Tor, which resolves the names itself (`socks5h`: a `.onion` name never reaches a DNS resolver).
/// Hooks are the user's own services and go direct.
public struct PeerProxy: Sendable, Equatable, CustomStringConvertible {
    public let address: ListenAddress
    /// Only endpoints whose host ends in `.onion` go through the proxy; the others go direct.
    public let onlyOnion: Bool

    public init(address: ListenAddress, onlyOnion: Bool) {
        self.address = address
        self.onlyOnion = onlyOnion
    }

    public static let scheme = "socks5h://"

    /// `socks5h://HOST:PORT`, nothing more: no credentials, no path. `socks5://` (names resolved here, which
    /// would hand every onion name to the DNS resolver) is refused.
    public init(parsing text: String, onlyOnion: Bool) throws(PeerProxyError) {
        guard text.hasPrefix(Self.scheme) else { throw .scheme(text) }
        let rest = String(text.dropFirst(Self.scheme.count))
        guard !rest.contains("@"), !rest.contains("/"), let address = try? ListenAddress(parsing: rest), address.port > 0 else {
            throw .malformed(text)
        }
        self.init(address: address, onlyOnion: onlyOnion)
    }

    public var description: String { Self.scheme + address.description + (onlyOnion ? " (.onion only)" : "") }

    /// Whether the request to `endpoint` goes through the proxy.
    func carries(_ endpoint: String) -> Bool {
        guard onlyOnion else { return true }
        return URLComponents(string: endpoint)?.host?.lowercased().hasSuffix(".onion") == true
    }

    var configuration: HTTPClient.Configuration.Proxy { .socksServer(host: address.host, port: address.port) }
}

public enum PeerProxyError: Error, Equatable, CustomStringConvertible {
    case scheme(String)
    case malformed(String)

    public var description: String {
        switch self {
        case let .scheme(text):
            "proxy \"\(text)\": expected socks5h://HOST:PORT (a SOCKS5 proxy that resolves names itself, like Tor's socks5h://127.0.0.1:9050)"
        case let .malformed(text): "proxy \"\(text)\": expected socks5h://HOST:PORT with a port from 1 to 65535, without credentials or a path"
        }
    }
}
