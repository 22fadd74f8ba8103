import Foundation

/// `PUT /v1/mailboxes/{name}`: host a mailbox for the contact `name`, or change its limits. Absent limits are
/// the node's defaults (`--mailbox-messages`, `--mailbox-bytes`, `--mailbox-ttl`).
public struct MailboxGrantRequest: Codable, Sendable, Equatable {
    public var messages: Int?
    /// Like `64M`, `512K` or a number of bytes.
    public var bytes: String?
    /// Like `7d`.
    public var ttl: String?

    public init(messages: Int?, bytes: String?, ttl: String?) {
        self.messages = messages
        self.bytes = bytes
        self.ttl = ttl
    }
}

/// A mailbox this node hosts, with what waits in it: sizes and times only, never what it holds.
public struct HostedMailbox: Codable, Sendable, Equatable {
    public var contact: String
    public var grantedAt: Date
    public var messageLimit: Int
    public var byteLimit: Int
    public var ttlSeconds: Int
    public var waitingMessages: Int
    public var waitingBytes: Int
    public var lastFetchAt: Date?

    enum CodingKeys: String, CodingKey {
        case contact
        case grantedAt = "granted_at"
        case messageLimit = "message_limit"
        case byteLimit = "byte_limit"
        case ttlSeconds = "ttl_seconds"
        case waitingMessages = "waiting_messages"
        case waitingBytes = "waiting_bytes"
        case lastFetchAt = "last_fetch_at"
    }

    public init(
        contact: String, grantedAt: Date, messageLimit: Int, byteLimit: Int, ttlSeconds: Int, waitingMessages: Int,
        waitingBytes: Int, lastFetchAt: Date?
    ) {
        self.contact = contact
        self.grantedAt = grantedAt
        self.messageLimit = messageLimit
        self.byteLimit = byteLimit
        self.ttlSeconds = ttlSeconds
        self.waitingMessages = waitingMessages
        self.waitingBytes = waitingBytes
        self.lastFetchAt = lastFetchAt
    }
}

/// `PUT /v1/mailbox`: from now on this node is reached at the mailbox `host` (a contact) keeps for it,
/// after its own endpoint, or instead of it (`only`).
public struct MailboxUseRequest: Codable, Sendable, Equatable {
    public var host: String
    public var only: Bool?

    public init(host: String, only: Bool?) {
        self.host = host
        self.only = only
    }
}

/// The mailbox this node's card lists, and how its fetches go.
public struct UsedMailbox: Codable, Sendable, Equatable {
    public var host: String
    public var endpoint: String
    public var only: Bool
    public var since: Date
    public var lastFetchAt: Date?
    /// Why the last fetch failed, when it did (a code, like `unreachable` or `no-mailbox`).
    public var lastError: String?
    /// What the host said still waited after the last fetch.
    public var waiting: Int?

    enum CodingKeys: String, CodingKey {
        case host, endpoint, only, since, waiting
        case lastFetchAt = "last_fetch_at"
        case lastError = "last_error"
    }

    public init(host: String, endpoint: String, only: Bool, since: Date, lastFetchAt: Date?, lastError: String?, waiting: Int?) {
        self.host = host
        self.endpoint = endpoint
        self.only = only
        self.since = since
        self.lastFetchAt = lastFetchAt
        self.lastError = lastError
        self.waiting = waiting
    }
}

/// `GET /v1/mailbox`: `mailbox status`, both sides: the mailbox this node uses, and those it hosts.
public struct MailboxStatus: Codable, Sendable, Equatable {
    public var uses: UsedMailbox?
    public var hosts: [HostedMailbox]

    public init(uses: UsedMailbox?, hosts: [HostedMailbox]) {
        self.uses = uses
        self.hosts = hosts
    }
}
