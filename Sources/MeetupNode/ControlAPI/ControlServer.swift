import Foundation
import Hummingbird
import Logging
import MeetupControl
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The control API: HTTP/JSON on `<home>/meetupd.sock` (0600). `meetupctl` is only a client of it.
struct ControlServer: Service {
    let plans: PlanService
    let contacts: ContactService
    let mailboxes: MailboxService
    let ownTracks: OwnTracksReceiver
    let purger: Purger
    let pinChecks: PINCheckGate
    let status: @Sendable () throws -> NodeStatus
    /// The node's archive, sealed under a key from the passphrase (Argon2id: a second, 256 MiB).
    let export: @Sendable (_ passphrase: Data) throws -> Data
    let nodeID: String
    let socketPath: String
    /// Told once the socket serves.
    let serving: @Sendable () -> Void
    let logger: Logger

    /// The routes, without a socket: tests drive them through `.router`.
    var router: Router<ControlRequestContext> {
        let router = Router(context: ControlRequestContext.self)
        router.add(middleware: ControlErrorMiddleware())
        let (plans, ownTracks, purger, pinChecks, status, export, nodeID, logger) =
            (plans, ownTracks, purger, pinChecks, status, export, nodeID, logger)
        router.get("/v1/status") { _, _ in try await offPool { try status() } }
        router.post("/v1/export") { request, context -> ExportResult in
            let body = try await request.decode(as: ExportRequest.self, context: context)
            guard body.passphrase.count >= ExportRequest.minimumLength else {
                throw ControlError.invalidArgument("passphrase: at least \(ExportRequest.minimumLength) characters")
            }
            do {
                // Argon2id takes a second and 256 MiB: off the cooperative pool, which serves every request.
                let passphrase = Data(body.passphrase.utf8)
                let archive = try await withCheckedThrowingContinuation { continuation in
                    DispatchQueue.global().async { continuation.resume(with: Result { try export(passphrase) }) }
                }
                logger.info("exported", metadata: ["bytes": "\(archive.count)"])
                return ExportResult(archive: archive, nodeID: nodeID)
            } catch {
                logger.error("export failed", metadata: ["error_type": "\(type(of: error))"])
                throw ControlError.internalError(reason: "the export failed; see the daemon's log")
            }
        }
        router.post("/v1/purge") { _, _ -> PurgeResult in
            do { return try await offPool { try purger.purge() } } catch {
                throw ControlError.internalError(reason: "the purge failed; see the daemon's log")
            }
        }
        // Every route's work runs off the cooperative pool; those that check a PIN also pass the PIN gate.
        router.put("/v1/pin") { request, context in
            let body = try await request.decode(as: PINSetRequest.self, context: context)
            return try await pinChecks.checking { try plans.setPIN(body) }
        }
        router.post("/v1/plans") { request, context in
            let body = try await request.decode(as: ArmRequest.self, context: context)
            return EditedResponse(status: .created, response: try await offPool { try plans.arm(body) })
        }
        router.get("/v1/plans") { _, _ in try await offPool { try plans.list() } }
        router.get("/v1/plans/{id}") { _, context in
            let id = try context.parameters.require("id")
            return try await offPool { try plans.status(id) }
        }
        router.get("/v1/plans/{id}/log") { _, context in
            let id = try context.parameters.require("id")
            return try await offPool { try plans.log(id) }
        }
        router.post("/v1/plans/{id}/checkins") { request, context in
            let body = try await request.decode(as: PINRequest.self, context: context)
            let id = try context.parameters.require("id")
            return try await pinChecks.checking { try plans.pinCommand(id, pin: body.pin, .checkIn) }
        }
        router.post("/v1/plans/{id}/done") { request, context in
            let body = try await request.decode(as: PINRequest.self, context: context)
            let id = try context.parameters.require("id")
            return try await pinChecks.checking { try plans.pinCommand(id, pin: body.pin, .done) }
        }
        router.post("/v1/plans/{id}/extend") { request, context in
            let body = try await request.decode(as: ExtendRequest.self, context: context)
            let id = try context.parameters.require("id")
            return try await pinChecks.checking { try plans.extend(id, body) }
        }
        router.post("/v1/plans/{id}/locations") { request, context in
            let body = try await request.decode(as: LocationRequest.self, context: context)
            let id = try context.parameters.require("id")
            return try await offPool { try plans.location(id, body) }
        }
        router.post("/v1/plans/{id}/panic") { _, context in
            let id = try context.parameters.require("id")
            return try await offPool { try plans.panic(id) }
        }
        router.post("/v1/plans/{id}/link") { _, context in
            let id = try context.parameters.require("id")
            return try await offPool { try plans.link(id) }
        }
        router.delete("/v1/plans/{id}/link") { _, context in
            let id = try context.parameters.require("id")
            return try await offPool { try plans.revokeLink(id) }
        }
        router.post("/v1/owntracks/setup") { request, _ in
            let rotate = request.uri.queryParameters["rotate"] == "true"
            return try await offPool { try ownTracks.setUp(rotate: rotate) }
        }
        Self.addContactRoutes(to: router, contacts: contacts)
        Self.addMailboxRoutes(to: router, mailboxes: mailboxes)
        return router
    }

    func run() async throws {
        let (socketPath, serving) = (socketPath, serving)
        let app = Application(
            router: router,
            configuration: .init(address: .unixDomainSocket(path: socketPath)),
            onServerRunning: { _ in
                // The home is 0700 already; 0600 on the socket says the same thing twice, on purpose.
                chmod(socketPath, 0o600)
                serving()
            },
            logger: logger)
        do {
            try await app.run()
        } catch {
            throw ListenFailure.map(error, socketPath: socketPath)
        }
        unlink(socketPath)
    }

    /// Identity, contacts, and the alerts contacts sent.
    private static func addContactRoutes(to router: Router<ControlRequestContext>, contacts: ContactService) {
        router.get("/v1/identity") { _, _ in try await offPool { try contacts.identity() } }
        router.post("/v1/contacts") { request, context in
            let body = try await request.decode(as: ContactAddRequest.self, context: context)
            return EditedResponse(status: .created, response: try await offPool { try contacts.add(body) })
        }
        router.get("/v1/contacts") { _, _ in try await offPool { try contacts.list() } }
        router.get("/v1/contacts/{name}") { _, context in
            let name = try context.decoded("name")
            return try await offPool { try contacts.show(name) }
        }
        router.delete("/v1/contacts/{name}") { _, context in
            let name = try context.decoded("name")
            return try await offPool { try contacts.remove(name) }
        }
        router.get("/v1/contacts/{name}/safety-number") { _, context in
            let name = try context.decoded("name")
            return try await offPool { try contacts.safetyNumber(name) }
        }
        router.post("/v1/contacts/{name}/verify") { _, context in
            let name = try context.decoded("name")
            return try await offPool { try contacts.verify(name) }
        }
        router.get("/v1/alerts") { request, _ in
            let all = request.uri.queryParameters["all"] == "true"
            return try await offPool { try contacts.alerts(all: all) }
        }
        router.get("/v1/alerts/{id}") { _, context in
            let id = try context.decoded("id")
            return try await offPool { try contacts.alert(id) }
        }
        router.post("/v1/alerts/{id}/ack") { _, context in
            let id = try context.decoded("id")
            return try await offPool { try contacts.ack(id) }
        }
    }
}

extension ControlRequestContext {
    /// A path parameter, percent-decoded: `ControlClient` encodes names (`Anne-Marie Dupré`), and
    /// Hummingbird hands parameters over as they were sent.
    func decoded(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        guard let decoded = raw.removingPercentEncoding else { throw ControlError.invalidRequest(reason: "bad percent-encoding in the path") }
        return decoded
    }
}

extension PurgeResult: ResponseEncodable {}
extension CheckInLink: ResponseEncodable {}
extension OwnTracksSetup: ResponseEncodable {}
extension ExportResult: ResponseEncodable {}
extension IdentityInfo: ResponseEncodable {}
extension ContactInfo: ResponseEncodable {}
extension ContactList: ResponseEncodable {}
extension SafetyNumberInfo: ResponseEncodable {}
extension ReceivedAlert: ResponseEncodable {}
extension ReceivedAlertList: ResponseEncodable {}
extension AckResult: ResponseEncodable {}
extension NodeStatus: ResponseEncodable {}
extension PlanStatus: ResponseEncodable {}
extension PlanList: ResponseEncodable {}
extension PlanLog: ResponseEncodable {}
extension Done: ResponseEncodable {}
