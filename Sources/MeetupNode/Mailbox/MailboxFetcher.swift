import Foundation
import Logging
import MeetupCrypto
import MeetupProtocol
import ServiceLifecycle

/// The owner's half of mailboxes: while this node uses a mailbox, it fetches from the host with outbound
/// requests only, a long poll of about 25 s signed by this node, and processes each envelope exactly as if
/// it had been POSTed (the inbox), the replies going back through the outbox; the next fetch deletes what
/// was processed. An envelope the node cannot store now (disk full, busy) is not deleted: it comes again.
struct MailboxFetcher: Service {
    let store: Store
    let clock: any WallClock
    let keys: NodeKeys
    let signer: EnvelopeSigner
    let inbox: Inbox
    /// Nudged when the mailbox in use changes.
    let wakeup: SchedulerWakeup
    let proxy: PeerProxy?
    let logger: Logger
    /// How long the host is asked to wait for a deposit when nothing waits.
    static let longPoll = 25
    /// Failures back off up to this.
    static let backoffCap: TimeInterval = 30

    func run() async throws {
        let transport = HTTPPeerTransport(
            proxy: proxy,
            settings: PeerHTTP.settings(
                connect: .seconds(5), read: .seconds(Int64(Self.longPoll + 15)), followRedirects: false, retryConnecting: false))
        await cancelWhenGracefulShutdown {
            var done = MailboxFetcher.Processed()
            var failures = 0
            while !Task.isCancelled {
                let pause: TimeInterval?
                do {
                    pause = try await fetchOnce(transport: transport, done: &done)
                    failures = 0
                } catch {
                    failures += 1
                    let reason = Self.describe(error)
                    logger.info("mailbox fetch failed", metadata: ["reason": "\(reason)"])
                    try? await offPool { try store.recordFetch(at: clock.now, waiting: nil, error: reason) }
                    pause = min(Self.backoffCap, pow(2, Double(min(failures, 10))) / 2)
                }
                // No mailbox in use: sleep until one is; else come back after the pause (none after a batch).
                await wakeup.wait(until: pause.map { clock.now.addingTimeInterval($0) }, clock: clock)
            }
        }
        await transport.shutdown()
    }

    /// What the last batch came to, told to the host by the next fetch: `deleted`, the messages taken or
    /// refused for good (a repeat of the same bytes changes nothing: the host answers it with its first
    /// receipt); `refused`, those refused for now (`unknown-sender`, `not-yet-valid`, ...), which the host
    /// forgets, so that the sender's retry is kept and tried again, as a direct retry would be.
    struct Processed: Sendable {
        var deleted: [Data] = []
        var refused: [Data] = []
    }

    /// One fetch; nil when no mailbox is in use, else how long to wait before the next (0: at once).
    func fetchOnce(transport: any PeerTransport, done: inout Processed) async throws -> TimeInterval? {
        let lookup = try await offPool { () -> (MailboxUse, ContactRecord, ContactCard)? in
            guard let use = try store.mailboxUse(), let host = try store.contact(id: use.hostContactID) else { return nil }
            return (use, host, try store.card(of: host))
        }
        guard let (_, host, card) = lookup else { return nil }
        let started = clock.now
        let batch = try await fetch(from: host, card: card, done: done, wait: Self.longPoll, transport: transport)
        // The host took what this fetch named.
        done = Processed()
        var replies: [Inbox.Reply.Queued] = []
        var processed = Processed()
        var stopped = false
        for message in batch.messages {
            let outcome = try await offPool { [inbox] in inbox.receive(message.envelope) }
            switch outcome {
            case let .reply(reply):
                if let queued = reply.queued(at: clock.now) { replies.append(queued) }
                processed.deleted.append(message.id)
            case let .refused(error):
                // As a POST would be: a final refusal ends it; any other may pass later (a contact added back).
                if error.isFinal { processed.deleted.append(message.id) } else { processed.refused.append(message.id) }
            case .unavailable:
                // Not stored now: left at the host, fetched again after the pause.
                stopped = true
            }
            if stopped { break }
        }
        // The replies are committed before the host is told to delete what they answer.
        try await offPool { [replies] in try store.queueReplies(replies, at: clock.now) }
        done = processed
        try await offPool { try store.recordFetch(at: clock.now, waiting: batch.waiting, error: nil) }
        if stopped { throw FetchFailure(reason: "unavailable") }
        if !batch.messages.isEmpty || batch.waiting > 0 { return 0 }
        // Answered before the long poll's end with nothing (the host has too many waiting): not at once again.
        let elapsed = clock.now.timeIntervalSince(started)
        return max(0, min(TimeInterval(Self.longPoll), TimeInterval(Self.longPoll) - elapsed))
    }

    /// One signed fetch from `host`'s mailbox for this node, at the first of its endpoints that is its own.
    func fetch(
        from host: ContactRecord, card: ContactCard, done: Processed, wait: Int, transport: any PeerTransport
    ) async throws -> MailboxBatch {
        guard let endpoint = card.endpoints.first(where: { Mailbox.address(of: $0) == nil }) else {
            throw FetchFailure(reason: "the host's card lists no endpoint of its own")
        }
        let box = Base32.encode(Mailbox.box(host: host.signingKey, owner: keys.signing.publicKey))
        let request = MailboxFetchMessage(
            box: box, delete: done.deleted.map(\.hexString), refused: done.refused.isEmpty ? nil : done.refused.map(\.hexString),
            waitSeconds: wait)
        let sealed = signer.seal(.mailboxFetch, WireJSON.encode(request), to: host.sealingKey, at: clock.now, lifetime: 120).sealed
        let answer = try await transport.post(
            sealed, url: endpoint.trimmingSuffix("/") + Mailbox.fetchPath, answerLimit: MailboxBatch.byteLimit + (1 << 20),
            within: TimeInterval(wait + 15))
        guard answer.status == 200 else {
            let code = (try? JSONDecoder().decode(PeerErrorBody.self, from: answer.body))?.error.code ?? "http-\(answer.status)"
            throw FetchFailure(reason: code)
        }
        guard let batch = MailboxBatch(parsing: answer.body) else { throw FetchFailure(reason: "the host's answer does not parse") }
        return batch
    }

    /// `mailbox use`: whether `host` keeps a mailbox for this node and answers; nil when it does, else why
    /// not (`no-mailbox`, `unreachable`, ...). Fetches without waiting and deletes nothing.
    func probe(_ host: ContactRecord, card: ContactCard) async -> String? {
        let transport = HTTPPeerTransport(
            proxy: proxy, settings: PeerHTTP.settings(connect: .seconds(5), read: .seconds(10), followRedirects: false, retryConnecting: false))
        let failure: String?
        do {
            _ = try await fetch(from: host, card: card, done: Processed(), wait: 0, transport: transport)
            failure = nil
        } catch {
            failure = Self.describe(error)
        }
        await transport.shutdown()
        return failure
    }

    struct FetchFailure: Error {
        let reason: String
    }

    static func describe(_ error: any Error) -> String {
        (error as? FetchFailure)?.reason ?? (error is DeadlineExceeded ? "no answer in time" : "unreachable")
    }
}
