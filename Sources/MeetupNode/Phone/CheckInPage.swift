import CheckInCore
import Foundation
import Logging
import MeetupControl
import MeetupCrypto

/// The check-in page behind a plan's link (`GET`/`POST /c/<token>`). `GET` only shows; a `POST` acts:
/// **I'm OK** (check-in) and **I'm home** (done) with the PIN, **Help** (panic) without. The duress PIN
/// gives the same page as the real one, since `PlanService` answers both alike.
struct CheckInPage: Sendable {
    let store: Store
    let clock: any WallClock
    let plans: PlanService
    /// Wrong PINs on a plan's page: the PIN-failure limit, then 5 minutes without PIN attempts.
    let failures: FailureLimiter
    let logger: Logger

    /// A page's nonce is good this long: a page left open through a long evening still works.
    static let nonceLifetime: TimeInterval = 12 * 3_600
    static let bodyLimit = 4_096

    enum Action: String {
        case checkIn = "check-in"
        case done
        case help
    }

    struct Message {
        var text: String
        var isError: Bool
    }

    /// The page for a link; nil when the link opens nothing (unknown, revoked, or its plan's retention ended). Throws
    /// when the store cannot answer, so that the phone is told, not shown a 404. `result` is the sealed
    /// outcome a POST redirected to: shown, never acted on, so a reload does nothing.
    func show(token: String, result: String? = nil) throws -> String? {
        guard let planID = try store.planID(forLinkToken: token) else { return nil }
        let outcome = result.flatMap { PageOutcome(sealed: $0, token: token, cipher: store.cipher) }
        // The result view refreshes itself without JavaScript; the page with the form does with it, when the PIN
        // field is empty.
        return render(planID: planID, token: token, message: outcome.map { message(for: $0) }, refresh: outcome != nil)
    }

    /// Acts on a posted form and returns where the browser goes next: this page with the sealed outcome
    /// (post/redirect/get), so that reloading or "Resubmit" shows the outcome again and does nothing. Nil
    /// when the link opens nothing.
    func act(token: String, form: [String: String]) throws -> String? {
        guard let planID = try store.planID(forLinkToken: token) else { return nil }
        let outcome = try outcome(of: form, planID: planID, token: token)
        logger.info("check-in page used", metadata: ["plan": "\(planID)", "action": "\(form["action"].flatMap(Action.init(rawValue:))?.rawValue ?? "none")"])
        return token + "?r=" + outcome.sealed(token: token, cipher: store.cipher)
    }

    /// Whether the form asks for a PIN action, which goes through the node's PIN gate.
    func needsPIN(_ form: [String: String]) -> Bool {
        form["action"].flatMap(Action.init(rawValue:)).map { $0 != .help } ?? false
    }

    /// Where the browser goes when the PIN gate is full: nothing was done, the nonce is still good.
    func busy(token: String) throws -> String? {
        guard try store.planID(forLinkToken: token) != nil else { return nil }
        return token + "?r=" + PageOutcome.busy.sealed(token: token, cipher: store.cipher)
    }

    private func outcome(of form: [String: String], planID: String, token: String) throws -> PageOutcome {
        let now = clock.now
        let action = form["action"].flatMap(Action.init(rawValue:))
        // Help from a page left open past the nonce's lifetime still goes out: the nonce must be this
        // link's, but its age is not held against someone calling for help.
        guard let nonce = form["nonce"], nonceIsValid(nonce, token: token, now: now, anyAge: action == .help) else {
            return .outOfDate
        }
        // A PIN action's nonce acts once: a resubmitted form, or a replay by whoever holds the phone, does
        // nothing. Help is exempt: a page restored from the browser's history, a double tap or a retry after a
        // lost answer must still call for help, and a second press only updates the open incident.
        if action != .help {
            guard try store.usePageNonce(Store.linkTokenHash(nonce), planID: planID, at: now) else { return .alreadySent }
        }
        guard let action else { return .chooseAction }
        // A position sent with any action joins the trail first, so that a Help alert carries it; Help puts it on
        // the plan its alert goes out on (after an ended plan, the one made for it).
        let fix = Self.fix(form, at: now)
        if let fix, action != .help { _ = try? plans.apply(planID, .location(fix)) }
        switch action {
        case .help:
            do {
                _ = try plans.panic(planID, fix: fix)
                return .helpSent
            } catch {
                return Self.outcome(of: error)
            }
        case .checkIn, .done:
            return pinCommand(action, planID: planID, pin: form["pin"] ?? "", now: now)
        }
    }

    private func pinCommand(_ action: Action, planID: String, pin: String, now: Date) -> PageOutcome {
        guard !pin.isEmpty else { return .enterPIN }
        // Counted before the check, in one step with the lock: parallel wrong PINs cannot all get through.
        if let wait = failures.attempt(planID, now: now) { return .locked(minutes: Int((wait / 60).rounded(.up))) }
        do {
            let status = try plans.pinCommand(planID, pin: pin, action == .done ? .done : .checkIn)
            failures.succeed(planID)
            if action == .done { return .ended }
            return .checkedIn(at: status.lastCheckIn ?? now)
        } catch {
            return Self.outcome(of: error)
        }
    }

    private func message(for outcome: PageOutcome) -> Message {
        let now = clock.now
        return switch outcome {
        case let .checkedIn(at): Message(text: "Checked in at \(Self.clock(at, now: now)).", isError: false)
        case .ended: Message(text: "Plan ended. Glad you are safe.", isError: false)
        case .helpSent: Message(text: "Help is called: your contacts are being alerted.", isError: false)
        case .wrongPIN: Message(text: "Wrong PIN. Nothing was done.", isError: true)
        case let .locked(minutes): Message(text: "Too many wrong PINs: wait \(minutes) min. Help works without a PIN.", isError: true)
        case .enterPIN: Message(text: "Enter your PIN first.", isError: true)
        case .chooseAction: Message(text: "Choose I'm OK, I'm home or Help.", isError: true)
        case .outOfDate: Message(text: "This page was out of date, so nothing was done. Press again.", isError: true)
        case .alreadySent:
            Message(text: "This page was out of date (already sent), so nothing more was done. Press again if you need to.", isError: true)
        case .notStarted: Message(text: "The plan has not started yet.", isError: true)
        case .planEnded: Message(text: "This plan has ended.", isError: true)
        case .busy: Message(text: "Your node is busy, so nothing was done. Try again in a moment, or use Help.", isError: true)
        case .noContacts: Message(text: "Your node has no contact to alert. If you are in danger, call 112 (17 in France) now.", isError: true)
        case .failed: Message(text: "Something went wrong on your node; nothing may have been done. Try again, or use Help.", isError: true)
        }
    }

    private static func outcome(of error: ControlError) -> PageOutcome {
        switch error {
        case .wrongPIN: .wrongPIN
        case .planNotStarted: .notStarted
        case .planEnded, .planNotFound: .planEnded
        case .busy: .busy
        case .noContacts: .noContacts
        case .planRunning: .failed
        case .routeNotFound, .invalidRequest, .requestTooLarge, .invalidArgument, .noActivePlan, .planAmbiguous, .pinNotSet,
             .unknownContact, .contactNotFound, .contactExists, .contactInUse, .invalidCard, .alertNotFound, .linkNotFound,
             .mailboxNotFound, .mailboxNotGranted, .mailboxUnreachable, .storeUnavailable, .internalError, .refused:
            .failed
        }
    }

    /// What the phone sees when the node cannot read its store: nothing was done, and Help may not work.
    static let unavailable: String = CheckInPageTemplate.template.render([
        "message": ["text": "Your node cannot answer right now, so nothing was done. Try again; if you are in danger, call someone now.", "kind": "error"],
        "style": CheckInPageTemplate.style, "script": CheckInPageTemplate.script,
    ])

    private func render(planID: String, token: String, message: Message?, refresh: Bool) -> String {
        var context: [String: Any] = [:]
        if let message { context["message"] = ["text": message.text, "kind": message.isError ? "error" : "ok"] }
        if refresh { context["refresh"] = true }
        let status = try? plans.status(planID)
        let now = clock.now
        let running: Bool
        context["state"] = status?.phase.rawValue ?? "ended"
        switch status?.phase {
        case .scheduled:
            context["when"] = Self.when("Starts at", status?.start, now: now)
            running = true
        case .active:
            context["when"] = Self.when("Next check-in by", status?.nextDeadline, now: now, countdown: true)
            running = true
        case .grace:
            let alarm = status.flatMap { plan in plan.nextDeadline.map { $0.addingTimeInterval(TimeInterval(plan.graceSeconds)) } }
            context["banner"] = [
                "text": "Check in now: your check-in is overdue, and your contacts are alerted at ",
                "time": Self.time(alarm, now: now) as Any, "tail": ".",
            ]
            context["when"] = Self.when("Contacts alerted at", alarm, now: now, countdown: true)
            running = true
        case .alerted:
            context["banner"] = ["text": "Your contacts have been alerted."]
            context["note"] = "Check in with your PIN once you are safe (the plan then watches again), or end it."
            if let alert = status?.alerts.last, !alert.deliveries.isEmpty { context["sent"] = ["items": Self.sent(alert, now: now)] }
            running = true
        case .done:
            // Until the plan's retention ends, Help still works: the night is not over because the plan is.
            context["note"] = "This plan has ended. If you need help now, Help still alerts your contacts."
            context["helpForm"] = ["nonce": nonce(token: token, now: now)]
            running = false
        case .expired, nil:
            context["note"] = "This plan has ended; this link no longer works."
            running = false
        }
        if running { context["form"] = ["nonce": nonce(token: token, now: now)] }
        context["style"] = CheckInPageTemplate.style
        context["script"] = CheckInPageTemplate.script
        return CheckInPageTemplate.template.render(context)
    }

    /// Who the alert went to, and what came back: "Anne: acknowledged at 21:44: on it", one line each, the
    /// times in `<time>` elements that the script shows in the phone's zone.
    static func sent(_ alert: AlertSummary, now: Date) -> [[String: Any]] {
        alert.deliveries.map { delivery in
            let who = delivery.contact + ": "
            if let acked = delivery.ackedAt {
                return ["text": who + "acknowledged at ", "time": time(acked, now: now) as Any, "tail": ": on it"]
            } else if let delivered = delivery.deliveredAt {
                return ["text": who + "delivered at ", "time": time(delivered, now: now) as Any, "tail": ", not yet acknowledged"]
            } else if let escalates = delivery.escalatesAt {
                return ["text": who + "alerted at ", "time": time(escalates, now: now) as Any, "tail": " unless someone acknowledges first"]
            }
            return ["text": who + (delivery.state == "cancelled" ? "not needed: someone acknowledged" : "on its way (\(delivery.state))")]
        }
    }

    /// A time for a `<time>` element: ISO 8601 for the script, the node's clock for a page without it.
    private static func time(_ date: Date?, now: Date) -> [String: String]? {
        date.map { ["iso": ISO8601DateFormatter().string(from: $0), "at": clock($0, now: now)] }
    }

    // MARK: Nonce

    /// The issue time, sealed under the node's data key and bound to the link: it cannot be forged or
    /// moved to another link, and survives a restart of the node.
    func nonce(token: String, now: Date) -> String {
        var seconds = UInt64(max(0, now.timeIntervalSince1970)).bigEndian
        let sealed = store.cipher.seal(Data(bytes: &seconds, count: 8), for: Self.nonceColumn(token))
        return sealed.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    func nonceIsValid(_ nonce: String, token: String, now: Date, anyAge: Bool = false) -> Bool {
        guard nonce.count < 512,
              let sealed = Data(base64Encoded: nonce.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")),
              let opened = try? store.cipher.open(sealed, for: Self.nonceColumn(token)), opened.count == 8
        else { return false }
        let issued = Date(timeIntervalSince1970: TimeInterval(opened.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }))
        let age = now.timeIntervalSince(issued)
        return anyAge || (age >= -60 && age <= Self.nonceLifetime)
    }

    private static func nonceColumn(_ token: String) -> SealedColumn {
        SealedColumn(table: "page", column: "nonce", rowKey: Store.linkTokenHash(token).base64EncodedString())
    }

    // MARK: Form values

    /// `lat`, `lon` and `acc` from the browser's geolocation, when sent and sound.
    static func fix(_ form: [String: String], at now: Date) -> LocationFix? {
        guard let lat = form["lat"].flatMap(Double.init), let lon = form["lon"].flatMap(Double.init),
              let geo = try? Coordinate(lat: lat, lon: lon)
        else { return nil }
        let accuracy = form["acc"].flatMap(Double.init).flatMap { LocationFix.isValid(accuracy: $0) ? $0 : nil }
        return LocationFix(geo: geo, accuracy: accuracy, at: now)
    }

    /// `application/x-www-form-urlencoded`; the first value of a repeated name wins.
    static func parseForm(_ body: Data) -> [String: String] {
        var form: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String? { part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = decode(parts[0]), form[name] == nil else { continue }
            form[name] = parts.count > 1 ? decode(parts[1]) ?? "" : ""
        }
        return form
    }

    // MARK: Text

    private static func when(_ label: String, _ date: Date?, now: Date, countdown: Bool = false) -> [String: String]? {
        guard let date else { return nil }
        var when = ["label": label, "iso": ISO8601DateFormatter().string(from: date), "text": clock(date, now: now)]
        if countdown { when["left"] = Self.left(until: date, now: now) }
        return when
    }

    /// `in 12 min`, `in 40 s`, `3 min ago`: what the page shows without JavaScript; its script counts each second.
    static func left(until date: Date, now: Date) -> String {
        let seconds = Int(date.timeIntervalSince(now).rounded())
        let minutes = abs(seconds) / 60
        let text = minutes > 0 ? "\(minutes) min" : "\(abs(seconds)) s"
        return seconds >= 0 ? "in " + text : text + " ago"
    }

    /// The node's local time, `21:30 (UTC+01:00)`; with JavaScript, the page shows the phone's own.
    static func clock(_ date: Date, now: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .current
        formatter.dateFormat = Calendar.current.isDate(date, inSameDayAs: now) ? "HH:mm '(UTC'xxx')'" : "EEE d MMM HH:mm '(UTC'xxx')'"
        return formatter.string(from: date)
    }
}
