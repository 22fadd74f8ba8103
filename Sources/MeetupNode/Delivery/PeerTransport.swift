import AsyncHTTPClient
import Foundation
import NIOCore

/// How envelopes reach a peer: POST to `<endpoint>/v1/envelope`, the answer read whole within a deadline.
/// The courier and the watchdog are given one, so that tests can answer for the peer.
protocol PeerTransport: Sendable {
    func post(_ sealed: Data, to endpoint: String, within seconds: TimeInterval) async throws -> (status: Int, body: Data)
    /// POSTs to `url` itself (a mailbox fetch), reading an answer of up to `limit` bytes.
    func post(_ body: Data, url: String, answerLimit limit: Int, within seconds: TimeInterval) async throws -> (status: Int, body: Data)
}

/// Envelopes over HTTP: direct, or through the node's SOCKS5 proxy for the endpoints it carries.
struct HTTPPeerTransport: PeerTransport {
    let direct: HTTPClient
    /// The same client settings through the proxy, when one is set.
    let proxied: HTTPClient?
    let proxy: PeerProxy?

    /// The clients for `proxy` (nil: direct only), with `settings` applied to each.
    init(proxy: PeerProxy?, settings: (inout HTTPClient.Configuration) -> Void) {
        self.proxy = proxy
        direct = PeerHTTP.client(settings)
        proxied = proxy.map { proxy in
            PeerHTTP.client { configuration in
                settings(&configuration)
                configuration.proxy = proxy.configuration
            }
        }
    }

    func client(for endpoint: String) -> HTTPClient {
        if let proxy, let proxied, proxy.carries(endpoint) { return proxied }
        return direct
    }

    func post(_ sealed: Data, to endpoint: String, within seconds: TimeInterval) async throws -> (status: Int, body: Data) {
        try await postBody(sealed, url: endpoint.trimmingSuffix("/") + "/v1/envelope", http: client(for: endpoint), answerLimit: 64 << 10, within: seconds)
    }

    func post(_ body: Data, url: String, answerLimit limit: Int, within seconds: TimeInterval) async throws -> (status: Int, body: Data) {
        try await postBody(body, url: url, http: client(for: url), answerLimit: limit, within: seconds)
    }

    func shutdown() async {
        try? await direct.shutdown()
        try? await proxied?.shutdown()
    }
}

/// The node's HTTP clients (the courier's, the watchdog's, the fetcher's, the hooks'), with the timeouts each
/// caller needs. Peers' clients follow no redirect (an endpoint is what the card says, and a redirect could
/// take an `.onion` name around the proxy); hooks follow AsyncHTTPClient's default (up to 5, no cycles), so
/// that a webhook moved to https still rings.
enum PeerHTTP {
    static func client(
        connect: TimeAmount, read: TimeAmount, idle: TimeAmount? = nil, connectionsPerHost: Int? = nil, followRedirects: Bool
    ) -> HTTPClient {
        client(settings(connect: connect, read: read, idle: idle, connectionsPerHost: connectionsPerHost, followRedirects: followRedirects))
    }

    /// `retryConnecting` false makes a refused connection fail at once instead of being tried again until the
    /// connect timeout: the courier and the mailbox fetcher retry on their own schedules, and a node's own
    /// endpoint that refuses (behind NAT) must not delay the mailbox listed after it.
    static func settings(
        connect: TimeAmount, read: TimeAmount, idle: TimeAmount? = nil, connectionsPerHost: Int? = nil, followRedirects: Bool,
        retryConnecting: Bool = true
    ) -> (inout HTTPClient.Configuration) -> Void {
        { configuration in
            configuration.timeout = .init(connect: connect, read: read)
            configuration.connectionPool.retryConnectionEstablishment = retryConnecting
            if !followRedirects { configuration.redirectConfiguration = .disallow }
            if let idle { configuration.connectionPool.idleTimeout = idle }
            if let connectionsPerHost { configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost }
        }
    }

    static func client(_ settings: (inout HTTPClient.Configuration) -> Void) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        settings(&configuration)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }
}

/// POSTs `body` to `url` and reads the whole answer, up to `limit` bytes, all within `seconds` (a peer that
/// drips its answer cannot hold the caller).
func postBody(_ body: Data, url: String, http: HTTPClient, answerLimit limit: Int, within seconds: TimeInterval) async throws
    -> (status: Int, body: Data)
{
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/octet-stream")
    request.body = .bytes(ByteBuffer(bytes: body))
    let prepared = request
    return try await withDeadline(seconds) {
        let response = try await http.execute(prepared, timeout: .seconds(Int64(seconds.rounded(.up))))
        let answer = try await response.body.collect(upTo: limit)
        return (Int(response.status.code), Data(answer.readableBytesView))
    }
}

/// Runs `body`, or throws `DeadlineExceeded` once `seconds` have passed (the body is cancelled).
func withDeadline<T: Sendable>(_ seconds: TimeInterval, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw DeadlineExceeded() }
        return first
    }
}

struct DeadlineExceeded: Error {}

