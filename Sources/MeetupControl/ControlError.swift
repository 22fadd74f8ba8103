/// What the control API refuses, on both sides of the socket: the daemon throws it and renders it as
/// `{"error": {"code": "...", "message": "..."}}`; `ControlClient` decodes that body back into
/// `ControlError.refused`. `code` is the case name in snake_case; messages never carry details, places,
/// coordinates or PINs.
public enum ControlError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No route at this method and path.
    case routeNotFound(method: String, path: String)
    /// The request body is not what the route expects.
    case invalidRequest(reason: String)
    /// The request body is larger than the control API takes.
    case requestTooLarge(limit: Int)
    /// A field of the request breaks a rule; the message names the flag.
    case invalidArgument(String)
    case planNotFound(id: String)
    /// `PLAN` was left out, and no plan is running.
    case noActivePlan
    /// `PLAN` was left out, and more than one plan is running: their ids, newest first.
    case planAmbiguous(ids: [String])
    case planNotStarted
    case planEnded
    case wrongPIN
    case pinNotSet
    case unknownContact(name: String)
    /// Nobody to alert: the node has no contact.
    case noContacts
    /// `arm` while plans run, without `--also`: their ids, newest first.
    case planRunning(ids: [String])
    case contactNotFound(name: String)
    /// The name or the card is already a contact; the message says which.
    case contactExists(String)
    /// A running plan names the contact: removing it would silence an alarm without the PIN.
    case contactInUse(name: String, plan: String)
    /// A pasted card that does not parse or verify; the reason says why.
    case invalidCard(String)
    case alertNotFound(id: String)
    /// `link --revoke` for a plan without a check-in link.
    case linkNotFound(plan: String)
    /// `mailbox grant --revoke` for a contact without a mailbox here, or `mailbox drop` with none in use.
    case mailboxNotFound(name: String?)
    /// `mailbox use NAME`: NAME's node answered that it keeps no mailbox for this node.
    case mailboxNotGranted(host: String)
    /// `mailbox use NAME`: NAME's node did not answer a fetch; the reason is a code or a cause.
    case mailboxUnreachable(host: String, reason: String)
    /// Too many PIN checks wait already; nothing was checked or recorded.
    case busy
    /// The node's database refused (disk full, I/O error, busy): nothing of the request was recorded.
    case storeUnavailable(reason: String)
    /// The daemon failed in a way that is not the caller's fault.
    case internalError(reason: String)
    /// Any refusal as read by a client, with the code and message the daemon sent.
    case refused(code: String, message: String, status: Int)

    public var code: String {
        switch self {
        case .routeNotFound: "route_not_found"
        case .invalidRequest: "invalid_request"
        case .requestTooLarge: "request_too_large"
        case .invalidArgument: "invalid_argument"
        case .planNotFound: "plan_not_found"
        case .noActivePlan: "no_active_plan"
        case .planAmbiguous: "plan_ambiguous"
        case .planNotStarted: "plan_not_started"
        case .planEnded: "plan_ended"
        case .wrongPIN: "wrong_pin"
        case .pinNotSet: "pin_not_set"
        case .unknownContact: "unknown_contact"
        case .noContacts: "no_contacts"
        case .planRunning: "plan_running"
        case .contactNotFound: "contact_not_found"
        case .contactExists: "contact_exists"
        case .contactInUse: "contact_in_use"
        case .invalidCard: "invalid_card"
        case .alertNotFound: "alert_not_found"
        case .linkNotFound: "link_not_found"
        case .mailboxNotFound: "mailbox_not_found"
        case .mailboxNotGranted: "mailbox_not_granted"
        case .mailboxUnreachable: "mailbox_unreachable"
        case .busy: "busy"
        case .storeUnavailable: "store_unavailable"
        case .internalError: "internal_error"
        case let .refused(code, _, _): code
        }
    }

    /// The HTTP status the daemon answers with.
    public var httpStatus: Int {
        switch self {
        case .routeNotFound, .planNotFound, .noActivePlan, .contactNotFound, .alertNotFound, .linkNotFound, .mailboxNotFound: 404
        case .invalidRequest, .invalidArgument, .unknownContact, .invalidCard: 400
        case .wrongPIN: 403
        case .requestTooLarge: 413
        case .planAmbiguous, .planNotStarted, .planEnded, .pinNotSet, .noContacts, .planRunning, .contactExists, .contactInUse,
             .mailboxNotGranted: 409
        case .mailboxUnreachable: 502
        case .busy, .storeUnavailable: 503
        case .internalError: 500
        case let .refused(_, _, status): status
        }
    }

    public var message: String {
        switch self {
        case let .routeNotFound(method, path): "no route \(method) \(path)"
        case let .invalidRequest(reason): "invalid request: \(reason)"
        case let .requestTooLarge(limit): "the request body is larger than \(limit) bytes (a photo of at most 5 MiB fits)"
        case let .invalidArgument(message): message
        case let .planNotFound(id): "no plan \(id)"
        case .noActivePlan: "no plan is running; name one, or arm one with meetupctl arm"
        case let .planAmbiguous(ids): "\(ids.count) plans are running (\(ids.joined(separator: ", "))); name the one you mean, or see meetupctl plans"
        case .planNotStarted: "the plan has not started yet"
        case .planEnded: "the plan has ended"
        case .wrongPIN: "wrong PIN"
        case .pinNotSet: "no PIN is set; set one first with meetupctl pin set"
        case let .unknownContact(name): "--contacts: no contact named \"\(name)\""
        case .noContacts: "no contact to alert; add one first with meetupctl contacts add NAME CARD"
        case let .planRunning(ids):
            "plan \(ids.joined(separator: ", ")) is already running; arm --also to run another beside it, or end it first with meetupctl done"
        case let .contactNotFound(name): "no contact named \"\(name)\"; see meetupctl contacts list"
        case let .contactExists(message): message
        case let .contactInUse(name, plan):
            "\"\(name)\" is a contact of running plan \(plan); end the plan first with meetupctl done (it takes the PIN)"
        case let .invalidCard(reason): "card refused: \(reason)"
        case let .alertNotFound(id): "no received alert \(id); see meetupctl alerts --all"
        case let .linkNotFound(plan): "plan \(plan) has no check-in link"
        case let .mailboxNotFound(name):
            name.map { "this node keeps no mailbox for \"\($0)\"" } ?? "this node uses no mailbox; see meetupctl mailbox use NAME"
        case let .mailboxNotGranted(host):
            "\"\(host)\" keeps no mailbox for this node; ask its owner to run meetupctl mailbox grant with their name for you"
        case let .mailboxUnreachable(host, reason):
            "\"\(host)\" did not answer the mailbox fetch (\(reason)); nothing changed: try again when its node is up"
        case .busy: "too many PIN checks at once; nothing was checked: try again in a moment"
        case let .storeUnavailable(reason):
            "the node's database refused the change (\(reason)); nothing was recorded: free disk space, then try again"
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
