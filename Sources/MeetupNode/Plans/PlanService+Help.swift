import CheckInCore
import Foundation
import MeetupControl

/// Help at any time: with no plan running (`meetupctl panic`), or from the page of a plan that has ended,
/// Help still alerts. It raises a panic alert on a plan made for it, which then takes positions from
/// `where`, the page and OwnTracks like any running plan, and ends with `done`.
extension PlanService {
    /// What a plan made for Help says when nothing is known of a match or a place.
    static let unknownMatch = "unknown: Help was pressed with no plan running"
    static let unknownPlace = "unknown: see the last known position, if there is one"

    /// Help on a plan made for it. After an ended plan (`after`), it takes that plan's match, place, photo,
    /// contacts and last position, and a second press joins the same incident; with no plan at all, it goes
    /// to every contact with the newest position this node holds. Refused when there is nobody to alert.
    func helpWithoutPlan(after base: String?, fix: LocationFix? = nil) throws(ControlError) -> PlanStatus {
        if let base, let open = try storeCall({ try store.runningPlan(helpAfter: base) }) {
            if let fix { _ = try advance(open, .location(fix)) }
            return try apply(open, .panic)
        }
        let previous = try base.flatMap { id throws(ControlError) in try storeCall { try store.planDetails(id: id) } }
        let contacts = try storeCall { try store.contacts() }.map(\.id)
        var recipients = (previous?.recipients ?? []).filter(contacts.contains)
        if recipients.isEmpty { recipients = contacts }
        guard !recipients.isEmpty else { throw .noContacts }
        let now = clock.now
        let plan: Plan
        do {
            // A window of one second, and a second of grace: there is no check-in to watch, only the alert, and
            // a check-in after it leaves the plan alerted until `done`. Extended, it is watched every 15 minutes.
            plan = Plan(
                id: RandomID.make(bytes: 8), match: try previous?.match ?? MatchDetails(pseudonym: Self.unknownMatch),
                place: try previous?.place ?? Place(name: Self.unknownPlace),
                schedule: try Schedule(start: now, every: Schedule.defaultEvery, grace: 1, until: now.addingTimeInterval(1)),
                contacts: previous?.contacts ?? [], escalateAfter: previous?.escalateAfter ?? Plan.defaultEscalateAfter,
                createdAt: now)
        } catch {
            throw .internalError(reason: "the plan for Help could not be made")
        }
        let details = PlanDetails(plan, recipients: recipients, helpAfter: base)
        let outcome = try storeCall { try store.insertHelpPlan(plan, details: details, base: base, fix: fix, transitions) }
        logger.info("plan armed for help", metadata: ["plan": "\(plan.id)", "after": "\(base ?? "none")"])
        if let outcome { RaisedAlert.log(outcome.raised, to: logger, metrics: metrics) }
        return try status(plan.id)
    }
}
