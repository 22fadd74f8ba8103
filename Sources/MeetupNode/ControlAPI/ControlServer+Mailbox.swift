import Hummingbird
import MeetupControl

extension ControlServer {
    /// Mailboxes: those this node hosts (`/v1/mailboxes/{name}`), and the one it uses (`/v1/mailbox`).
    static func addMailboxRoutes(to router: Router<ControlRequestContext>, mailboxes: MailboxService) {
        router.put("/v1/mailboxes/{name}") { request, context in
            let name = try context.decoded("name")
            let body = try await request.decode(as: MailboxGrantRequest.self, context: context)
            return try await offPool { try mailboxes.grant(name, body) }
        }
        router.delete("/v1/mailboxes/{name}") { _, context in
            let name = try context.decoded("name")
            return try await offPool { try mailboxes.revoke(name) }
        }
        router.get("/v1/mailbox") { _, _ in try await offPool { try mailboxes.status() } }
        router.put("/v1/mailbox") { request, context in
            let body = try await request.decode(as: MailboxUseRequest.self, context: context)
            return try await mailboxes.use(body)
        }
        router.delete("/v1/mailbox") { _, _ in try await offPool { try mailboxes.drop() } }
    }
}

extension HostedMailbox: ResponseEncodable {}
extension MailboxStatus: ResponseEncodable {}
