import CheckInCore
import Foundation
import MeetupControl
import MeetupCrypto
import MeetupProtocol

/// What the phone adds to plans: the check-in page's link and OwnTracks reports.
extension PlanService {
    /// The plan's check-in page, `<advertise>/c/<token>`: a random 128-bit token, made on first use and
    /// the same afterwards, until revoked or the plan ends.
    func link(_ requested: String) throws(ControlError) -> CheckInLink {
        let id = try resolve(requested)
        let noEndpoint = ControlError.internalError(reason: "the node has no usable endpoint for the link (see --advertise)")
        guard address.url != nil else { throw noEndpoint }
        let token = try storeCall {
            try store.checkInLinkToken(planID: id, newToken: { RandomID.make() }, at: clock.now)
        }
        guard let token else { throw .planEnded }
        logger.info("check-in link given", metadata: ["plan": "\(id)"])
        guard let url = address.url(path: "/c/" + token) else { throw noEndpoint }
        return CheckInLink(plan: id, url: url, warning: Self.phoneWarning(url))
    }

    func revokeLink(_ requested: String) throws(ControlError) -> Done {
        let id = try resolve(requested, runningOnly: false)
        guard try storeCall({ try store.deleteCheckInLink(planID: id) }) else { throw .linkNotFound(plan: id) }
        logger.info("check-in link revoked", metadata: ["plan": "\(id)"])
        return Done()
    }

    /// What the phone cannot do with `url`: reach a loopback address, or get its location over plain http.
    static func phoneWarning(_ url: String) -> String? {
        if ContactService.isLocalOnly(url) {
            return "this address works only on this machine; start meetupd with --advertise set to an address your phone reaches"
        }
        if url.hasPrefix("http://") {
            return "plain http: put meetupd behind https (docs/SELF-HOSTING.md) so that nobody on the way reads it; browsers share location only over https"
        }
        return nil
    }

    /// A location or region report from the phone, for every plan running and started. Never a check-in.
    /// Returns how many plans took it; with none, the report is dropped, never stored.
    @discardableResult
    func phoneReport(_ event: CheckInEvent) throws(ControlError) -> Int {
        let ids = try storeCall { try store.startedPlanIDs(at: clock.now) }
        for id in ids { _ = try advance(id, event) }
        return ids.count
    }
}
