import AsyncHTTPClient
import CheckInCore
import Foundation
import Logging
import MeetupCrypto
import MeetupProtocol
import NIOCore
import ServiceLifecycle

/// The guardian's watchdog (docs/PROTOCOL.md, "Watchdog"): one loop over the plans this node watches for
/// its contacts, sleeping until the earliest `deadline + grace + slack`. When one passes without a
/// heartbeat, it asks the user's node for a signed liveness statement; unless that proves the plan alive
/// (or that the user's node alerted itself), it raises the alarm: the escrowed alerts go to the user's
/// contacts through the outbox, and this node's own copy is shown to its user.
struct Watchdog: Service {
    let store: Store
    let clock: any WallClock
    let signer: EnvelopeSigner
    /// This node's card, for the contacts' receipts of its relays.
    let ownCard: @Sendable () throws -> ContactCard
    /// The hooks to queue for this node's own copy of an alarm.
    let hooks: CurrentHooks
    let wakeup: SchedulerWakeup
    let reporter: LoopReporter
    /// Where the questions to the user's node go through, when not direct.
    let proxy: PeerProxy?
    let logger: Logger
    /// How long after deadline + grace a plan without a heartbeat raises the alarm.
    let slack: TimeInterval
    /// An alarm later than this after its instant (beyond the liveness call) is marked late.
    let lateTolerance: TimeInterval
    /// When the node started: a watch due before then fell due while it was down.
    let startedAt: Date
    static let livenessTimeout: TimeInterval = 5
    /// A watch being checked is not due again for this long.
    static let lease: TimeInterval = 20

    func run() async throws {
        let transport = HTTPPeerTransport(
            proxy: proxy, settings: PeerHTTP.settings(connect: .seconds(2), read: .seconds(Int64(Self.livenessTimeout)), followRedirects: false))
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await reporter.pass(wakeup: wakeup) { try await pass(transport) }
            }
        }
        await transport.shutdown()
    }

    /// Checks every watch due now, at once; returns when the next one falls due. Every commit to a watch
    /// (each heartbeat) wakes the loop, and most passes find nothing due: they cost one read, not the write
    /// transaction that leases due watches.
    func pass(_ transport: any PeerTransport) async throws -> Date? {
        let now = clock.now
        let earliest = try await offPool { try store.earliestWatchWake() }
        guard let earliest, earliest <= now else { return earliest }
        let due = try await offPool { try store.dueWatches(now: now, limit: 32, lease: Self.lease) }
        await withDiscardingTaskGroup { group in
            for watch in due { group.addTask { await check(watch, transport: transport) } }
        }
        return try await offPool { try store.earliestWatchWake() }
    }

    private func check(_ watch: DueWatch, transport: any PeerTransport) async {
        let metadata: Logger.Metadata = ["plan": "\(watch.planID)", "contact": "\(watch.contactID)"]
        do {
            let statement = await liveness(watch, transport: transport)
            let verdict = Self.verdict(statement, watching: watch.deadline)
            try await offPool {
                switch verdict {
                case let .alive(deadline):
                    try store.moveWatch(watch, to: deadline, slack: slack)
                    logger.info("watched plan alive; standing down", metadata: metadata)
                case .userAlerted:
                    try store.recheckWatch(watch, at: clock.now.addingTimeInterval(Self.alertedRecheck))
                    logger.info("watched plan already alerted by its node", metadata: metadata)
                case .ended:
                    try store.dropWatch(watch)
                case .alarm:
                    try raiseAlarm(watch)
                    logger.notice("guardian alarm raised", metadata: metadata)
                }
            }
        } catch {
            // The watch keeps its lease and falls due again when it ends: nothing is dropped.
            logger.critical("watchdog check failed", metadata: metadata.merging(["reason": "\(Store.describeForLog(error))"]) { $1 })
        }
    }

    /// How often a guardian asks a user's node that has alerted whether the plan is back on watch (a check-in
    /// after the alert); its answer, a later deadline, restarts the watch.
    static let alertedRecheck: TimeInterval = 60

    enum Verdict: Equatable {
        case alive(Date?)
        case userAlerted
        case ended
        case alarm
    }

    /// What a liveness statement (or its absence) means for the watched deadline.
    static func verdict(_ statement: LivenessMessage?, watching deadline: Date?) -> Verdict {
        guard let statement else { return .alarm }
        switch statement.phase {
        case .done, .expired: return .ended
        case .alerted: return .userAlerted
        // An active plan always has a deadline: a statement without one proves nothing.
        case .active where statement.deadline == nil: return .alarm
        case .scheduled, .active:
            if let next = statement.deadline, let deadline, next <= deadline { return .alarm }
            return .alive(statement.deadline)
        // Past deadline + grace + slack, the user's node still in grace: it is not keeping time.
        case .grace: return .alarm
        }
    }

    /// Asks the user's node, at each endpoint of its card, for a signed statement naming a fresh nonce.
    private func liveness(_ watch: DueWatch, transport: any PeerTransport) async -> LivenessMessage? {
        // The store off the cooperative pool, like every store call.
        let found = try? await offPool { () -> (ContactRecord, ContactCard)? in
            guard let user = try store.contact(id: watch.contactID) else { return nil }
            return (user, try store.card(of: user))
        }
        guard let (user, card) = found ?? nil else { return nil }
        let nonce = SecureRandom.bytes(count: 16).hexString
        let now = clock.now
        let sealed = signer.seal(
            .livenessRequest, WireJSON.encode(LivenessRequestMessage(plan: watch.planID, nonce: nonce)), to: user.sealingKey,
            at: now, lifetime: 60
        ).sealed
        for endpoint in card.endpoints {
            guard let answer = try? await transport.post(sealed, to: endpoint, within: Self.livenessTimeout),
                  answer.status == 200,
                let reply = try? Envelope.open(answer.body, with: signer.keys.sealing), reply.type == .liveness,
                reply.sender == user.signingKey, (try? reply.checkTimes(now: clock.now)) != nil,
                let statement = try? WireJSON.decode(LivenessMessage.self, from: reply.body),
                statement.nonce == nonce, statement.plan == watch.planID
            else { continue }
            return statement
        }
        return nil
    }

    /// Seals one relayed alert per escrowed copy to the contact's card, opens this node's own copy, and
    /// commits them all with the alarm in one transaction (a second alarm for the same deadline is a no-op).
    private func raiseAlarm(_ watch: DueWatch) throws {
        guard let user = try store.contact(id: watch.contactID) else { return }
        let replica = try store.replica(watch)
        let now = clock.now
        let due = (watch.deadline ?? now).addingTimeInterval(TimeInterval(watch.graceSeconds))
        // Late: the watch fell due while this node was down, or the check took longer than a liveness call.
        let wake = due.addingTimeInterval(slack)
        let late = wake < startedAt || now.timeIntervalSince(wake) > Self.livenessTimeout + 2 * lateTolerance
        let ownCard = try ownCard()
        var relays: [CardEnvelope] = []
        // Tier 2 waits for the escalation delay, as on the user's node, unless no tier-1 contact is left; counted
        // from this alarm, since tier 1 hears of it only now.
        let tiers = replica.contacts.filter { replica.escrow.map(\.cardKey).contains(Self.key(of: $0)) }.map(\.tier)
        for copy in replica.escrow {
            guard let contact = replica.contacts.first(where: { Self.key(of: $0) == copy.cardKey }),
                  let card = try? ContactCard(parsing: contact.card)
            else { continue }
            let body = RelayedAlertMessage(
                escrow: copy.envelope, user: user.signingKey.bytes.hexString, plan: watch.planID, reason: .missed,
                deadline: watch.deadline, raisedAt: due, late: late, guardianCard: ownCard.text)
            relays.append(signer.entry(
                .relayedAlert, WireJSON.encode(body), to: card, name: contact.name, tier: contact.tier, at: now,
                notBefore: DeliveryPolicy.firstAttempt(
                    tier: contact.tier, recipientTiers: tiers, raisedAt: now,
                    escalateAfter: TimeInterval(replica.escalateAfterSeconds), now: now)))
        }
        var own: AlertMessage?
        if let sealed = replica.own, let opened = try? Envelope.open(sealed, with: signer.keys.sealing),
           opened.sender == user.signingKey, var message = try? WireJSON.decode(AlertMessage.self, from: opened.body)
        {
            message.payload.raisedAt = due
            message.payload.deadline = watch.deadline
            message.late = late
            own = message
        }
        try store.commitAlarm(watch, relays: relays, own: own, user: user, at: now, hooks: hooks.value.alert.kinds, newID: RandomID.make())
    }
}

/// An envelope for someone who may not be this node's contact, reached through their card: a guardian's
/// relayed alert to the user's contacts, a contact's ack to a guardian.
struct CardEnvelope {
    var type: MessageType
    var card: ContactCard
    /// The user's name for the contact.
    var name: String
    var tier: Int
    var id: Data
    var sealed: Data
    var expires: Date
    var notBefore: Date
}

extension Watchdog {
    /// A replica contact's Ed25519 key in hex, as escrow entries name it.
    static func key(of contact: ReplicaMessage.Contact) -> String? {
        (try? ContactCard(parsing: contact.card))?.signingKey.bytes.hexString
    }
}
