import CheckInCore
import Foundation
import Logging
import MeetupControl
import MeetupCrypto
import MeetupProtocol
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a node is started with; `meetupd` fills it from its flags.
public struct NodeConfiguration: Sendable {
    public var home: NodeHome
    public var listen: ListenAddress
    /// How contacts reach this node; derived from the bound listen address when nil.
    public var advertise: String?
    public var rules: CheckInRules
    /// The cost of hashing and checking PINs.
    public var pinHashLimits: Argon2id.Limits
    /// An alert raised more than this many seconds after its instant is marked late.
    public var lateTolerance: TimeInterval
    /// The name hint in this node's contact card.
    public var name: String
    /// How long an envelope is retried before it expires.
    public var envelopeTTL: TimeInterval
    /// What to run when an alert arrives from a contact.
    public var hooks: HookConfiguration
    /// As a guardian: how long after deadline + grace a plan without a heartbeat raises the alarm.
    public var guardianSlack: TimeInterval
    /// How long ended plans and acknowledged received alerts are kept.
    public var retention: TimeInterval
    /// Where to serve Prometheus metrics; nil serves none.
    public var metricsListen: ListenAddress?
    /// Connections the peer listener serves at once; more wait in the kernel's backlog.
    public var peerConnectionLimit: Int
    /// The SOCKS5 proxy outbound peer traffic goes through; nil sends it direct.
    public var proxy: PeerProxy?
    /// As a mailbox host: what one mailbox holds, unless its grant says otherwise.
    public var mailboxLimits: MailboxLimits
    public static let defaultMailboxLimits = MailboxLimits(messages: 500, bytes: 64 << 20, ttl: 7 * 86_400)
    public static let defaultRetention: TimeInterval = 30 * 86_400
    public static let defaultPeerConnectionLimit = 512

    public init(
        home: NodeHome, listen: ListenAddress, advertise: String? = nil, rules: CheckInRules = CheckInRules(),
        pinHashLimits: Argon2id.Limits = .interactive, lateTolerance: TimeInterval = 1, name: String = "",
        envelopeTTL: TimeInterval = 7 * 86_400, hooks: HookConfiguration = HookConfiguration(),
        guardianSlack: TimeInterval = 30, retention: TimeInterval = NodeConfiguration.defaultRetention,
        metricsListen: ListenAddress? = nil, peerConnectionLimit: Int = NodeConfiguration.defaultPeerConnectionLimit,
        proxy: PeerProxy? = nil, mailboxLimits: MailboxLimits = NodeConfiguration.defaultMailboxLimits
    ) {
        self.home = home
        self.listen = listen
        self.advertise = advertise
        self.rules = rules
        self.pinHashLimits = pinHashLimits
        self.lateTolerance = lateTolerance
        self.name = name
        self.envelopeTTL = envelopeTTL
        self.hooks = hooks
        self.guardianSlack = guardianSlack
        self.retention = retention
        self.metricsListen = metricsListen
        self.peerConnectionLimit = peerConnectionLimit
        self.proxy = proxy
        self.mailboxLimits = mailboxLimits
    }
}

/// The daemon as a library: owns the home (locked), the keys and the store, and hands `meetupd` the
/// services to run. Everything `meetupd` does, a test can do through this type.
public final class Node: Sendable {
    public let configuration: NodeConfiguration
    public let keys: NodeKeys
    public let store: Store
    public let clock: any WallClock
    public let logger: Logger
    public let startedAt: Date
    package let machine: CheckInMachine
    /// Each loop's wake-up, nudged by the commits that concern it.
    let wakeups = NodeWakeups()
    let metrics: NodeMetrics
    let envelopeCounters: EnvelopeCounters
    let envelopeSlots = EnvelopeSlots()
    /// Bad OwnTracks credentials, per caller address: 10 a minute, then 429 until the minute ends.
    let ownTracksFailures = FailureLimiter(limit: 10, window: 60)
    /// Wrong PINs on a plan's check-in page: the PIN-failure limit, then 5 minutes without PIN attempts.
    let pageFailures: FailureLimiter
    private let lock: HomeLock
    /// Where contacts and the phone reach this node.
    let address: NodeAddress
    /// The hooks in force: the configuration's at start, replaced by a reload.
    let currentHooks: CurrentHooks
    /// The last database write probe of `/healthz`, and its failure.
    let lastWriteProbe = Mutex<(at: Date, failure: String?)?>(nil)
    /// Loops failing with an error of the moment, for the log, `/healthz` and `status`.
    let loopHealth = LoopHealth()
    /// PIN checks (two Argon2id hashes each) at once: all cores but one, so that the rest of the node keeps one.
    let pinChecks = PINCheckGate(concurrent: max(1, ProcessInfo.processInfo.activeProcessorCount - 1), waiting: 16)
    /// The node is ready when both the peer listener and the control socket serve.
    let readiness: Readiness
    /// Owners' long polls waiting at this node as a mailbox host: at most half the peer connections.
    let mailboxWaiters: MailboxWaiters

    /// Prepares the home, takes its lock, loads or creates the keys and opens the store, in that order,
    /// so that a second daemon on the same home stops at the lock before touching anything.
    public init(configuration: NodeConfiguration, clock: any WallClock, logger: Logger) throws(NodeStartError) {
        let home = configuration.home
        do { try home.prepare() } catch { throw .home(error) }
        do { lock = try HomeLock(home: home) } catch { throw .home(error) }
        keys = try NodeKeys.loadOrCreate(in: home)
        do {
            store = try Store.open(path: home.databasePath, cipher: DataCipher(key: keys.dataKey))
            try store.recordCreation(at: clock.now)
            wakeups.observe(store, logger: logger)
        } catch let error as StoreError {
            throw .store(error)
        } catch {
            throw .store(.cannotOpen(path: home.databasePath, reason: Store.describe(error)))
        }
        do { try home.checkPrivate(file: home.databasePath) } catch { throw .home(error) }
        // We hold the lock, so a socket file left here belongs to a daemon that died.
        unlink(home.controlSocketPath)
        self.configuration = configuration
        currentHooks = CurrentHooks(configuration.hooks)
        metrics = NodeMetrics()
        envelopeCounters = EnvelopeCounters(metrics: metrics)
        machine = CheckInMachine(rules: configuration.rules)
        pageFailures = FailureLimiter(limit: configuration.rules.pinFailureLimit, window: 300)
        address = NodeAddress(advertise: configuration.advertise)
        readiness = Readiness(address: address, logger: logger)
        mailboxWaiters = MailboxWaiters(limit: max(4, configuration.peerConnectionLimit / 2))
        self.clock = clock
        self.logger = logger
        startedAt = clock.now
    }

    /// The long-lived services, in dependency order, for one `ServiceGroup`; each is given what it uses.
    public var services: [any Service] {
        let metrics: [any Service] = configuration.metricsListen.map { listen in
            [MetricsServer(exposition: { [self] in try metricsExposition() }, listen: listen, logger: logger)]
        } ?? []
        return [scheduler, courier, hookRunner, watchdog, mailboxFetcher, Retention(purger: purger, clock: clock, logger: logger)]
            + metrics + [peerServer, controlServer]
    }

    func reporter(_ loop: NodeLoop) -> LoopReporter {
        LoopReporter(loop: loop, health: loopHealth, clock: clock, logger: logger)
    }

    package var scheduler: Scheduler {
        Scheduler(
            store: store, clock: clock, transitions: transitions, wakeup: wakeups.scheduler, reporter: reporter(.scheduler),
            metrics: metrics, logger: logger)
    }

    var courier: Courier {
        Courier(
            store: store, clock: clock, signer: signer, keys: keys, wakeup: wakeups.courier, reporter: reporter(.courier),
            metrics: metrics, proxy: configuration.proxy, logger: logger)
    }

    var hookRunner: HookRunner {
        HookRunner(
            store: store, clock: clock, hooks: currentHooks, wakeup: wakeups.hooks, reporter: reporter(.hooks), metrics: metrics,
            logger: logger)
    }

    var watchdog: Watchdog {
        Watchdog(
            store: store, clock: clock, signer: signer, ownCard: { [ownCard] in try ownCard.make() }, hooks: currentHooks,
            wakeup: wakeups.watchdog, reporter: reporter(.watchdog), proxy: configuration.proxy, logger: logger,
            slack: configuration.guardianSlack,
            lateTolerance: configuration.lateTolerance, startedAt: startedAt)
    }

    var mailboxFetcher: MailboxFetcher {
        MailboxFetcher(
            store: store, clock: clock, keys: keys, signer: signer, inbox: inbox, wakeup: wakeups.mailbox, proxy: configuration.proxy,
            logger: logger)
    }

    var purger: Purger {
        Purger(store: store, clock: clock, retention: configuration.retention, envelopeTTL: configuration.envelopeTTL, logger: logger)
    }

    /// This node's own contact card, signed when asked.
    var ownCard: OwnCard {
        OwnCard(keys: keys, name: configuration.name, address: address, store: store, clock: clock, signer: signer, startedAt: startedAt)
    }

    /// What the store needs to write a plan's transitions.
    package var transitions: TransitionContext {
        TransitionContext(
            machine: machine, lateTolerance: configuration.lateTolerance, newAlertID: { RandomID.make() },
            warningHooks: { [currentHooks] in currentHooks.value.reminder.kinds })
    }

    /// This node as the sender of envelopes.
    var signer: EnvelopeSigner { EnvelopeSigner(keys: keys, ttl: configuration.envelopeTTL) }
}

/// The request services and the two listeners that serve them.
extension Node {
    var plans: PlanService {
        PlanService(
            store: store, clock: clock, transitions: transitions, pinHashLimits: configuration.pinHashLimits,
            envelopeTTL: configuration.envelopeTTL, address: address, metrics: metrics, logger: logger)
    }

    var contacts: ContactService {
        ContactService(store: store, clock: clock, keys: keys, ownCard: ownCard, signer: signer, logger: logger)
    }

    var mailboxes: MailboxService {
        MailboxService(
            store: store, clock: clock, keys: keys, ownCard: ownCard, defaults: configuration.mailboxLimits,
            probe: { [mailboxFetcher] host, card in await mailboxFetcher.probe(host, card: card) }, fetcherWakeup: wakeups.mailbox,
            logger: logger)
    }

    var mailboxHost: MailboxHost {
        MailboxHost(store: store, clock: clock, keys: keys, waiters: mailboxWaiters, logger: logger)
    }

    package var inbox: Inbox {
        Inbox(
            store: store, clock: clock, keys: keys, signer: signer, machine: machine, hooks: currentHooks,
            slack: configuration.guardianSlack, counters: envelopeCounters,
            cardChanged: { [ownCard, logger] in ownCard.publish(logger: logger) },
            logger: logger)
    }

    var ownTracks: OwnTracksReceiver {
        OwnTracksReceiver(store: store, clock: clock, address: address, plans: plans, failures: ownTracksFailures, logger: logger)
    }

    var checkInPage: CheckInPage {
        CheckInPage(store: store, clock: clock, plans: plans, failures: pageFailures, logger: logger)
    }

    var peerServer: PeerServer {
        PeerServer(
            inbox: inbox, mailboxes: mailboxHost, ownTracks: ownTracks, page: checkInPage, pinChecks: pinChecks,
            health: { [self] withBacklog in health(withBacklog: withBacklog) }, envelopeSlots: envelopeSlots,
            counters: envelopeCounters, listen: configuration.listen, connectionLimit: configuration.peerConnectionLimit,
            bound: { [address, readiness, ownCard, logger] bound in
                address.bind(bound)
                // Contacts hear of new endpoints (a new --advertise, another port) at once, not when asked.
                _ = try? await offPool { ownCard.publish(logger: logger) }
                readiness.listenerServing()
            },
            logger: logger)
    }

    var controlServer: ControlServer {
        ControlServer(
            plans: plans, contacts: contacts, mailboxes: mailboxes, ownTracks: ownTracks, purger: purger, pinChecks: pinChecks,
            status: { [self] in try status() }, export: { [self] passphrase in try exportArchive(passphrase: passphrase) },
            nodeID: keys.fingerprint.nodeID, socketPath: configuration.home.controlSocketPath,
            serving: { [readiness] in readiness.listenerServing() }, logger: logger)
    }
}
