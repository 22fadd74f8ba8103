import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The typed client of the control API, over the daemon's Unix socket: one method per route, HTTP
/// refusals turned into `ControlError`, a failed dial into `ControlClientError.daemonNotRunning`.
public struct ControlClient: Sendable {
    public let socketPath: String
    private let http: HTTPClient
    private let timeout: TimeAmount

    /// `http` defaults to AsyncHTTPClient's process-wide client, which needs no shutdown: right for a
    /// short-lived CLI.
    public init(socketPath: String, http: HTTPClient = .shared, timeout: TimeAmount = .seconds(30)) {
        self.socketPath = socketPath
        self.http = http
        self.timeout = timeout
    }

    public func status() async throws(ControlClientError) -> NodeStatus {
        try await send("GET", "/v1/status", as: NodeStatus.self)
    }

    public func export(passphrase: String) async throws(ControlClientError) -> ExportResult {
        try await send("POST", "/v1/export", body: ExportRequest(passphrase: passphrase), as: ExportResult.self, limit: 1 << 30)
    }

    public func purge() async throws(ControlClientError) -> PurgeResult {
        try await send("POST", "/v1/purge", as: PurgeResult.self)
    }

    public func setPIN(_ request: PINSetRequest) async throws(ControlClientError) -> Done {
        try await send("PUT", "/v1/pin", body: request, as: Done.self)
    }

    public func arm(_ request: ArmRequest) async throws(ControlClientError) -> PlanStatus {
        try await send("POST", "/v1/plans", body: request, as: PlanStatus.self)
    }

    public func plans() async throws(ControlClientError) -> PlanList {
        try await send("GET", "/v1/plans", as: PlanList.self)
    }

    /// `plan` nil means the one running plan.
    public func plan(_ plan: String?) async throws(ControlClientError) -> PlanStatus {
        try await send("GET", Self.path(plan), as: PlanStatus.self)
    }

    public func log(_ plan: String?) async throws(ControlClientError) -> PlanLog {
        try await send("GET", Self.path(plan, "log"), as: PlanLog.self)
    }

    public func checkIn(_ plan: String?, pin: String) async throws(ControlClientError) -> PlanStatus {
        try await send("POST", Self.path(plan, "checkins"), body: PINRequest(pin: pin), as: PlanStatus.self)
    }

    public func done(_ plan: String?, pin: String) async throws(ControlClientError) -> PlanStatus {
        try await send("POST", Self.path(plan, "done"), body: PINRequest(pin: pin), as: PlanStatus.self)
    }

    public func extend(_ plan: String?, _ request: ExtendRequest) async throws(ControlClientError) -> PlanStatus {
        try await send("POST", Self.path(plan, "extend"), body: request, as: PlanStatus.self)
    }

    public func location(_ plan: String?, _ request: LocationRequest) async throws(ControlClientError) -> PlanStatus {
        try await send("POST", Self.path(plan, "locations"), body: request, as: PlanStatus.self)
    }

    public func panic(_ plan: String?) async throws(ControlClientError) -> PlanStatus {
        try await send("POST", Self.path(plan, "panic"), as: PlanStatus.self)
    }

    /// The plan's check-in page link, made on first use.
    public func link(_ plan: String?) async throws(ControlClientError) -> CheckInLink {
        try await send("POST", Self.path(plan, "link"), as: CheckInLink.self)
    }

    public func revokeLink(_ plan: String?) async throws(ControlClientError) -> Done {
        try await send("DELETE", Self.path(plan, "link"), as: Done.self)
    }

    /// The OwnTracks settings in force (made on first use); new ones with `rotate`.
    public func setUpOwnTracks(rotate: Bool = false) async throws(ControlClientError) -> OwnTracksSetup {
        try await send("POST", "/v1/owntracks/setup" + (rotate ? "?rotate=true" : ""), as: OwnTracksSetup.self)
    }

    public func identity() async throws(ControlClientError) -> IdentityInfo {
        try await send("GET", "/v1/identity", as: IdentityInfo.self)
    }

    public func addContact(_ request: ContactAddRequest) async throws(ControlClientError) -> ContactInfo {
        try await send("POST", "/v1/contacts", body: request, as: ContactInfo.self)
    }

    public func grantMailbox(_ name: String, _ request: MailboxGrantRequest) async throws(ControlClientError) -> HostedMailbox {
        try await send("PUT", Self.path("mailboxes", name), body: request, as: HostedMailbox.self)
    }

    public func revokeMailbox(_ name: String) async throws(ControlClientError) -> Done {
        try await send("DELETE", Self.path("mailboxes", name), as: Done.self)
    }

    public func mailboxStatus() async throws(ControlClientError) -> MailboxStatus {
        try await send("GET", "/v1/mailbox", as: MailboxStatus.self)
    }

    public func useMailbox(_ request: MailboxUseRequest) async throws(ControlClientError) -> MailboxStatus {
        try await send("PUT", "/v1/mailbox", body: request, as: MailboxStatus.self)
    }

    public func dropMailbox() async throws(ControlClientError) -> MailboxStatus {
        try await send("DELETE", "/v1/mailbox", as: MailboxStatus.self)
    }

    public func contacts() async throws(ControlClientError) -> ContactList {
        try await send("GET", "/v1/contacts", as: ContactList.self)
    }

    public func contact(_ name: String) async throws(ControlClientError) -> ContactInfo {
        try await send("GET", Self.path("contacts", name), as: ContactInfo.self)
    }

    public func removeContact(_ name: String) async throws(ControlClientError) -> Done {
        try await send("DELETE", Self.path("contacts", name), as: Done.self)
    }

    public func safetyNumber(_ name: String) async throws(ControlClientError) -> SafetyNumberInfo {
        try await send("GET", Self.path("contacts", name, "safety-number"), as: SafetyNumberInfo.self)
    }

    public func verifyContact(_ name: String) async throws(ControlClientError) -> SafetyNumberInfo {
        try await send("POST", Self.path("contacts", name, "verify"), as: SafetyNumberInfo.self)
    }

    public func receivedAlerts(all: Bool) async throws(ControlClientError) -> ReceivedAlertList {
        try await send("GET", "/v1/alerts" + (all ? "?all=true" : ""), as: ReceivedAlertList.self)
    }

    public func receivedAlert(_ id: String) async throws(ControlClientError) -> ReceivedAlert {
        try await send("GET", Self.path("alerts", id), as: ReceivedAlert.self)
    }

    public func ackAlert(_ id: String) async throws(ControlClientError) -> AckResult {
        try await send("POST", Self.path("alerts", id, "ack"), as: AckResult.self)
    }

    /// `/v1/{collection}/{name}[/action]`, the name percent-encoded.
    static func path(_ collection: String, _ name: String, _ action: String? = nil) -> String {
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return "/v1/\(collection)/\(encoded)" + (action.map { "/\($0)" } ?? "")
    }

    /// `/v1/plans/{id}[/action]`, with `current` for the one running plan.
    static func path(_ plan: String?, _ action: String? = nil) -> String {
        let id = (plan ?? PlanStatus.currentID).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? PlanStatus.currentID
        return "/v1/plans/\(id)" + (action.map { "/\($0)" } ?? "")
    }

    /// Sends a request and decodes a 2xx answer as `Response`; a refusal as `ControlError.refused`.
    func send<Response: Decodable>(
        _ method: String, _ path: String, body: (some Encodable)? = Optional<Int>.none, as type: Response.Type,
        limit: Int = 16 << 20
    ) async throws(ControlClientError) -> Response {
        guard UnixSocketProbe.probe(socketPath) == .listening else {
            throw .daemonNotRunning(socketPath: socketPath)
        }
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: path) else {
            throw .daemonNotAnswering(socketPath: socketPath, reason: "socket path cannot form a URL")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: (try? ControlJSON.encoder().encode(body)) ?? Data()))
        }
        let status: Int
        let bytes: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = Int(response.status.code)
            bytes = try await response.body.collect(upTo: limit)
        } catch let error as HTTPClientError where error == .connectTimeout || error == .deadlineExceeded {
            throw .daemonNotAnswering(socketPath: socketPath, reason: "timed out")
        } catch {
            // A socket file with nobody listening (the daemon was killed) refuses the connection.
            throw .daemonNotRunning(socketPath: socketPath)
        }
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(status) else {
            guard let refusal = try? ControlJSON.decoder().decode(ControlErrorBody.self, from: data) else {
                throw .unexpectedResponse(status: status, reason: "error without a JSON error body")
            }
            throw .refused(.refused(code: refusal.error.code, message: refusal.error.message, status: status))
        }
        do { return try ControlJSON.decoder().decode(type, from: data) } catch {
            throw .unexpectedResponse(status: status, reason: "body does not decode as \(Response.self)")
        }
    }
}

/// What can go wrong talking to the daemon.
public enum ControlClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No socket, or a socket nobody listens on.
    case daemonNotRunning(socketPath: String)
    case daemonNotAnswering(socketPath: String, reason: String)
    case unexpectedResponse(status: Int, reason: String)
    /// The daemon answered and said no.
    case refused(ControlError)

    public var description: String {
        switch self {
        case let .daemonNotRunning(socketPath): "meetupd is not running (no daemon answers on \(socketPath))"
        case let .daemonNotAnswering(socketPath, reason): "meetupd on \(socketPath) does not answer: \(reason)"
        case let .unexpectedResponse(status, reason): "unexpected answer from meetupd (HTTP \(status)): \(reason)"
        case let .refused(error): error.message
        }
    }
}
