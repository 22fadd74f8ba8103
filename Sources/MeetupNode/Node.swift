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
    public static let defaultRetention: TimeInterval = 30 * 86_400
    public static let defaultPeerConnectionLimit = 512

    public init(
        home: NodeHome, listen: ListenAddress, advertise: String? = nil, rules: CheckInRules = CheckInRules(),
        pinHashLimits: Argon2id.Limits = .interactive, lateTolerance: TimeInterval = 1, name: String = "",
        envelopeTTL: TimeInterval = 7 * 86_400, hooks: HookConfiguration = HookConfiguration(),
        guardianSlack: TimeInterval = 30, retention: TimeInterval = NodeConfiguration.defaultRetention,
        metricsListen: ListenAddress? = nil, peerConnectionLimit: Int = NodeConfiguration.defaultPeerConnectionLimit
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
    /// The peer listener's address once bound (port 0 becomes a real port).
    private let boundListen = Mutex<ListenAddress?>(nil)
    /// The hooks in force: the configuration's at start, replaced by a reload.
    let currentHooks: CurrentHooks
    /// The last database write probe of `/healthz`, and its failure.
    let lastWriteProbe = Mutex<(at: Date, failure: String?)?>(nil)
    /// Loops failing with an error of the moment, for the log, `/healthz` and `status`.
    let loopHealth = LoopHealth()
    /// PIN checks (two Argon2id hashes each) at once: all cores but one, so that the rest of the node keeps one.
    let pinChecks = PINCheckGate(concurrent: max(1, ProcessInfo.processInfo.activeProcessorCount - 1), waiting: 16)
    /// Listeners serving so far; the node is ready when both the peer listener and the control socket are.
    private let listenersServing = Mutex(0)

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
        self.clock = clock
        self.logger = logger
        startedAt = clock.now
    }

    /// The long-lived services, in dependency order, for one `ServiceGroup`; each is given what it uses.
    public var services: [any Service] {
        let metrics: [any Service] = configuration.metricsListen.map { listen in
            [MetricsServer(exposition: { [self] in try metricsExposition() }, listen: listen, logger: logger)]
        } ?? []
        return [scheduler, courier, hookRunner, watchdog, Retention(purger: purger, clock: clock, logger: logger)]
            + metrics + [PeerServer(node: self), ControlServer(node: self)]
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
            metrics: metrics, logger: logger)
    }

    var hookRunner: HookRunner {
        HookRunner(
            store: store, clock: clock, hooks: currentHooks, wakeup: wakeups.hooks, reporter: reporter(.hooks), metrics: metrics,
            logger: logger)
    }

    var watchdog: Watchdog {
        Watchdog(
            store: store, clock: clock, signer: signer, ownCard: { [self] in try card() }, hooks: currentHooks,
            wakeup: wakeups.watchdog, reporter: reporter(.watchdog), logger: logger, slack: configuration.guardianSlack,
            lateTolerance: configuration.lateTolerance, startedAt: startedAt)
    }

    var purger: Purger {
        Purger(store: store, clock: clock, retention: configuration.retention, envelopeTTL: configuration.envelopeTTL, logger: logger)
    }

    var listenAddress: ListenAddress? { boundListen.withLock { $0 } }

    /// The notification hooks in force now.
    public var hooks: HookConfiguration { currentHooks.value }

    /// Replaces the hooks (a reload); jobs already queued run with the hooks in force when they run.
    public func reload(hooks: HookConfiguration) {
        currentHooks.replace(with: hooks)
    }

    func listenerBound(_ address: ListenAddress) {
        boundListen.withLock { $0 = address }
        listenerServing()
    }

    /// Called once by each listener when it serves; the second call tells systemd (`Type=notify`) and
    /// the log that the node is ready.
    func listenerServing() {
        let serving = listenersServing.withLock { count in
            count += 1
            return count
        }
        guard serving == 2 else { return }
        let peer = listenAddress.map { "\($0)" } ?? "?"
        SystemdNotify.send("READY=1\nSTATUS=serving peers on \(peer)")
        logger.info("ready", metadata: ["listen": "\(peer)"])
    }

    /// The advertised URL: the configured one, else `http://` and the bound listen address.
    var advertisedURL: String? {
        configuration.advertise ?? listenAddress.map { "http://\($0)" }
    }

    /// `path` on the advertised URL (`/c/...`, `/v1/owntracks`): what the phone is given.
    func advertisedURL(path: String) -> String? {
        advertisedURL.map { ($0.hasSuffix("/") ? String($0.dropLast()) : $0) + path }
    }

    /// This node's contact card, signed now from its keys, name and advertised URL.
    func card() throws -> ContactCard {
        guard let url = advertisedURL else { throw CardError.badEndpoint }
        return try ContactCard(
            signing: keys.signing, sealingKey: keys.sealing.publicKey, created: try store.createdAt() ?? startedAt,
            name: configuration.name, endpoints: [url])
    }

    /// What the store needs to write a plan's transitions.
    package var transitions: TransitionContext {
        TransitionContext(machine: machine, lateTolerance: configuration.lateTolerance, newAlertID: { RandomID.make() })
    }

    /// Turns committed notices into envelopes, sealed with this node's keys.
    var noticeFanOut: NoticeFanOut {
        NoticeFanOut(store: store, seal: sealer, newID: { RandomID.make() })
    }

    /// Stores received alerts, and acks them again when their id changes.
    var alertReceiver: AlertReceiver {
        AlertReceiver(store: store, acks: AckEnvelopes(seal: sealer, sealToCard: cardSealer))
    }

    /// This node as the sender of envelopes.
    var signer: EnvelopeSigner { EnvelopeSigner(keys: keys, ttl: configuration.envelopeTTL) }

    /// Signs and seals messages from this node to a card, for the outbox: due now, tier 1.
    var cardSealer: CardSealer { signer.sealers(at: clock.now).card }

    /// Signs and seals messages from this node, for the outbox: due now.
    var sealer: EnvelopeSealer { signer.sealers(at: clock.now).contact }
}
