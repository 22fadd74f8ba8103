import CheckInCore
import Foundation
import Logging
import MeetupControl
import MeetupCrypto
import MeetupProtocol

/// What the control API does with plans and PINs. Every decision is here, none in `meetupctl`: parsing
/// what the user typed, which PIN it was, which plan "the current one" is.
struct PlanService: Sendable {
    let store: Store
    let clock: any WallClock
    /// The machine, and where new alert ids come from, for every transition.
    let transitions: TransitionContext
    /// The cost of hashing PINs.
    let pinHashLimits: Argon2id.Limits
    /// How long an alert is retried: an escalation delay must be shorter.
    let envelopeTTL: TimeInterval
    /// Where the check-in page's links point.
    let address: NodeAddress
    let metrics: NodeMetrics
    let logger: Logger

    // MARK: PINs

    func setPIN(_ request: PINSetRequest) throws(ControlError) -> Done {
        if let problem = PINCheck.validate(pin: request.pin, duress: request.duressPIN) {
            throw .invalidArgument("pin set: \(problem)")
        }
        if let existing = try storeCall({ try store.pinHashes() }) {
            guard let current = request.currentPIN else {
                throw .invalidArgument("pin set: PINs are already set; give the current PIN first to change them")
            }
            switch PINCheck.match(current, pinHash: existing.pin, duressHash: existing.duress) {
            case .neither:
                throw .wrongPIN
            case .real:
                break
            case .duress:
                // Forced to change the PINs: do it, exactly as with the real PIN, and tell the contacts.
                for id in try storeCall({ try store.runningPlanIDs() }) { _ = try advance(id, .duress(.changePIN)) }
            }
        }
        let limits = pinHashLimits
        do {
            let pin = try Argon2id.hash(password: Data(request.pin.utf8), limits: limits)
            let duress = try Argon2id.hash(password: Data(request.duressPIN.utf8), limits: limits)
            try store.savePINHashes(pin: pin, duress: duress, at: clock.now)
        } catch {
            throw .internalError(reason: "the PINs could not be stored")
        }
        logger.info("pins set")
        return Done()
    }

    // MARK: Plans

    func arm(_ request: ArmRequest) throws(ControlError) -> PlanStatus {
        let id = RandomID.make(bytes: 8)
        let plan: Plan
        do { plan = try request.parse(id: id, now: clock.now) } catch { throw .invalidArgument("\(error)") }
        guard TimeInterval(plan.escalateAfter) < envelopeTTL else {
            throw .invalidArgument("--escalate-after: must be shorter than the time an alert is retried (\(DurationText.format(Int(envelopeTTL))))")
        }
        // Named contacts, else every contact: tier 1 at once, tier 2 when tier 1 does not acknowledge.
        var recipients: [Int64] = []
        for name in plan.contacts {
            guard let contact = try storeCall({ try store.contact(named: name) }) else { throw .unknownContact(name: name) }
            if !recipients.contains(contact.id) { recipients.append(contact.id) }
        }
        if plan.contacts.isEmpty { recipients = try storeCall { try store.contacts() }.map(\.id) }
        guard try storeCall({ try store.pinHashes() }) != nil else { throw .pinNotSet }
        // The easy slips: nobody to alert, or the same command run twice.
        guard !recipients.isEmpty || request.noContacts == true else {
            throw .invalidArgument(
                "no contact would hear of an alert: add one first with meetupctl contacts add NAME CARD, or arm --no-contacts if you mean it")
        }
        // Listed only when they would refuse: an association's node arming beside thousands of plans
        // does not read them all each time.
        if request.also != true {
            let running = try storeCall { try store.runningPlanIDs() }
            guard running.isEmpty else { throw .planRunning(ids: running) }
        }
        // The newest position is looked up only when there is a position to check against it.
        let lastKnown = plan.place.geo == nil ? nil : try storeCall { try store.newestFix(in: nil) }
        try storeCall { try store.insertPlan(plan, recipients: recipients, photo: request.photo, machine: transitions.machine) }
        logger.info("plan armed", metadata: ["plan": "\(id)"])
        guard var armed = try storeCall({ try store.planStatus(id: id) }) else { throw .planNotFound(id: id) }
        if let geo = plan.place.geo {
            let warnings = PlaceCheck.warnings(geo: geo, lastKnown: lastKnown?.geo)
            if !warnings.isEmpty { armed.warnings = warnings }
        }
        return armed
    }

    /// A PIN-protected command. The real and the duress PIN give the same answer, byte for byte.
    func pinCommand(_ requested: String, pin: String, _ command: PINCommand) throws(ControlError) -> PlanStatus {
        guard let hashes = try storeCall({ try store.pinHashes() }) else { throw .pinNotSet }
        let id = try resolve(requested)
        let event: CheckInEvent = switch PINCheck.match(pin, pinHash: hashes.pin, duressHash: hashes.duress) {
        case .real: command.event ?? .wrongPIN
        case .duress: .duress(command)
        case .neither: .wrongPIN
        }
        return try apply(id, event)
    }

    func extend(_ requested: String, _ request: ExtendRequest) throws(ControlError) -> PlanStatus {
        let id = try resolve(requested)
        let now = clock.now
        let until: Date
        switch (request.by, request.until) {
        case let (.some(by), nil):
            guard let plan = try storeCall({ try store.planStatus(id: id) }) else { throw .planNotFound(id: id) }
            let seconds: Int?
            do { seconds = try PlanInput.duration(by, flag: "--by") } catch { throw .invalidArgument("\(error)") }
            until = plan.until.addingTimeInterval(TimeInterval(seconds ?? 0))
        case let (nil, .some(text)):
            do { until = try PlanInput.instant(text, flag: "--until", now: now) } catch { throw .invalidArgument("\(error)") }
        case (nil, nil), (.some, .some):
            throw .invalidArgument("extend: give --by DURATION or --until TIME")
        }
        return try pinCommand(id, pin: request.pin, .extend(until: until))
    }

    /// Help, at any time: on the running plan; with no plan running, or on an ended plan, on a plan made for
    /// it (PlanService+Help.swift).
    /// `fix` is the position sent with Help (the page's), recorded on the plan the alert goes out on.
    func panic(_ requested: String, fix: LocationFix? = nil) throws(ControlError) -> PlanStatus {
        if requested == PlanStatus.currentID, try storeCall({ try store.runningPlanIDs() }).isEmpty {
            return try helpWithoutPlan(after: nil, fix: fix)
        }
        let id = try resolve(requested, runningOnly: false)
        guard let plan = try storeCall({ try store.planStatus(id: id) }) else { throw .planNotFound(id: id) }
        if plan.phase.isEnded { return try helpWithoutPlan(after: id, fix: fix) }
        if let fix { _ = try advance(id, .location(fix)) }
        return try apply(id, .panic)
    }

    func location(_ requested: String, _ request: LocationRequest) throws(ControlError) -> PlanStatus {
        let id = try resolve(requested)
        let geo: Coordinate
        do { geo = try Coordinate(parsing: request.geo) } catch { throw .invalidArgument("\(error)") }
        if let accuracy = request.accuracy, !LocationFix.isValid(accuracy: accuracy) {
            throw .invalidArgument("--accuracy: must be a distance in metres, 0 to \(Int(LocationFix.accuracyLimit))")
        }
        return try apply(id, .location(LocationFix(geo: geo, accuracy: request.accuracy, at: clock.now)))
    }

    func status(_ requested: String) throws(ControlError) -> PlanStatus {
        let id = try resolve(requested, runningOnly: false)
        guard let status = try storeCall({ try store.planStatus(id: id) }) else { throw .planNotFound(id: id) }
        return status
    }

    func list() throws(ControlError) -> PlanList {
        PlanList(plans: try storeCall { try store.planStatuses() })
    }

    func log(_ requested: String) throws(ControlError) -> PlanLog {
        let id = try resolve(requested, runningOnly: false)
        return PlanLog(plan: id, events: try storeCall { try store.log(planID: id) })
    }

    // MARK: Helpers

    /// Commits `event` on the plan (after its due timers), then answers with its status or its refusal.
    func apply(_ id: String, _ event: CheckInEvent) throws(ControlError) -> PlanStatus {
        let outcome = try advance(id, event)
        if let refusal = outcome.transition?.refusal { throw ControlError(refusal) }
        logger.info("plan updated", metadata: ["plan": "\(id)", "state": "\(outcome.state.phase.rawValue)"])
        return try status(id)
    }

    func advance(_ id: String, _ event: CheckInEvent) throws(ControlError) -> PlanOutcome {
        let outcome = try storeCall {
            try store.advance(planID: id, to: clock.now, applying: event, transitions)
        }
        guard let outcome else { throw .planNotFound(id: id) }
        RaisedAlert.log(outcome.raised, to: logger, metrics: metrics)
        return outcome
    }

    /// The plan `requested` names; `current` is the one running plan, when there is exactly one.
    func resolve(_ requested: String, runningOnly: Bool = true) throws(ControlError) -> String {
        guard requested == PlanStatus.currentID else {
            guard try storeCall({ try store.planExists(id: requested) }) else { throw .planNotFound(id: requested) }
            return requested
        }
        let running = try storeCall { try store.runningPlanIDs() }
        switch running.count {
        case 1: return running[0]
        case 0:
            if !runningOnly, let newest = try storeCall({ try store.planStatuses() }).first { return newest.plan }
            throw .noActivePlan
        default: throw .planAmbiguous(ids: running)
        }
    }

    func storeCall<T>(_ body: () throws -> T) throws(ControlError) -> T {
        try ControlError.storeCall(logger: logger, body)
    }
}

extension ControlError {
    init(_ refusal: CheckInRefusal) {
        switch refusal {
        case .notStarted: self = .planNotStarted
        case .ended: self = .planEnded
        case .wrongPIN: self = .wrongPIN
        case .untilNotInFuture: self = .invalidArgument("--until: the new end must be in the future and after the start")
        }
    }
}
