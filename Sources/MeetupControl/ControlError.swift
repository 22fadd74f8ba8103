/// What the control API refuses, on both sides of the socket: the daemon throws it and renders it as
/// `{"error": {"code": "...", "message": "..."}}`; `ControlClient` decodes that body back into
/// `ControlError.refused`. `code` is the case name in snake_case; messages never carry details, places,
/// coordinates or PINs.
public enum ControlError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No route at this method and path.
    case routeNotFound(method: String, path: String)
    /// The request body is not what the route expects.
    case invalidRequest(reason: String)
    /// The daemon failed in a way that is not the caller's fault.
    case internalError(reason: String)
    /// Any refusal as read by a client, with the code and message the daemon sent.
    case refused(code: String, message: String, status: Int)

    public var code: String {
        switch self {
        case .routeNotFound: "route_not_found"
        case .invalidRequest: "invalid_request"
        case .internalError: "internal_error"
        case let .refused(code, _, _): code
        }
    }

    /// The HTTP status the daemon answers with.
    public var httpStatus: Int {
        switch self {
        case .routeNotFound: 404
        case .invalidRequest: 400
        case .internalError: 500
        case let .refused(_, _, status): status
        }
    }

    public var message: String {
        switch self {
        case let .routeNotFound(method, path): "no route \(method) \(path)"
        case let .invalidRequest(reason): "invalid request: \(reason)"
        case let .internalError(reason): "internal error: \(reason)"
        case let .refused(_, message, _): message
        }
    }

    public var description: String { message }

    /// The wire form of the error body.
    public var body: ControlErrorBody {
        ControlErrorBody(error: .init(code: code, message: message))
    }
}

/// `{"error": {"code": "...", "message": "..."}}`
public struct ControlErrorBody: Codable, Sendable, Equatable {
    public struct Detail: Codable, Sendable, Equatable {
        public let code: String
        public let message: String

        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    public let error: Detail

    public init(error: Detail) {
        self.error = error
    }
}
