import AsyncHTTPClient
import Foundation
import NIOCore

/// How envelopes reach a peer: POST to `<endpoint>/v1/envelope`, the answer read whole within a deadline.
/// The courier and the watchdog are given one, so that tests can answer for the peer.
protocol PeerTransport: Sendable {
    func post(_ sealed: Data, to endpoint: String, within seconds: TimeInterval) async throws -> (status: Int, body: Data)
}

struct HTTPPeerTransport: PeerTransport {
    let http: HTTPClient

    func post(_ sealed: Data, to endpoint: String, within seconds: TimeInterval) async throws -> (status: Int, body: Data) {
        try await postEnvelope(sealed, to: endpoint, http: http, within: seconds)
    }
}

/// The node's HTTP clients (the courier's, the watchdog's, the hooks'), with the timeouts each caller needs.
/// The courier follows no redirect (an endpoint is what the card says); hooks and the watchdog follow
/// AsyncHTTPClient's default (up to 5, no cycles), so that a webhook moved to https still rings.
enum PeerHTTP {
    static func client(
        connect: TimeAmount, read: TimeAmount, idle: TimeAmount? = nil, connectionsPerHost: Int? = nil, followRedirects: Bool
    ) -> HTTPClient {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: connect, read: read))
        if !followRedirects { configuration.redirectConfiguration = .disallow }
        if let idle { configuration.connectionPool.idleTimeout = idle }
        if let connectionsPerHost { configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connectionsPerHost }
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }
}

/// POSTs a sealed envelope to `<endpoint>/v1/envelope` and reads the whole answer, all within `seconds`
/// (a peer that drips its answer cannot hold the caller).
func postEnvelope(_ sealed: Data, to endpoint: String, http: HTTPClient, within seconds: TimeInterval) async throws
    -> (status: Int, body: Data)
{
    var request = HTTPClientRequest(url: endpoint.trimmingSuffix("/") + "/v1/envelope")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/octet-stream")
    request.body = .bytes(ByteBuffer(bytes: sealed))
    let prepared = request
    return try await withDeadline(seconds) {
        let response = try await http.execute(prepared, timeout: .seconds(Int64(seconds.rounded(.up))))
        let body = try await response.body.collect(upTo: 64 << 10)
        return (Int(response.status.code), Data(body.readableBytesView))
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

