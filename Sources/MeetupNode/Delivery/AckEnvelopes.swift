import Foundation
import MeetupProtocol

/// Signed acknowledgements of a received alert, sealed for the outbox (docs/PROTOCOL.md, "ack").
struct AckEnvelopes: Sendable {
    let seal: EnvelopeSealer
    let sealToCard: CardSealer

    /// The ack to the alert's sender, under the sender's own alert id.
    func toSender(alertID: String, planID: String, ackedAt: Date, _ contact: ContactRecord) -> OutboxEntry {
        var entry = seal(.ack, WireJSON.encode(AckMessage(alert: alertID, plan: planID, ackedAt: ackedAt)), contact)
        entry.planID = planID
        entry.alertID = alertID
        return entry
    }

    /// The acks a new acknowledgement sends: to the sender when it is still a contact, and to each guardian the
    /// alert came through, naming the user, so that they hold tier-2 copies back.
    func acks(_ recipients: AckRecipients, at now: Date) -> (toSender: OutboxEntry?, toGuardians: [CardEnvelope]) {
        let ack = AckMessage(alert: recipients.alertID, plan: recipients.planID, ackedAt: now, user: recipients.userKey.hexString)
        return (
            recipients.sender.map { toSender(alertID: recipients.alertID, planID: recipients.planID, ackedAt: now, $0) },
            recipients.guardianCards.map { sealToCard(.ack, WireJSON.encode(ack), $0) }
        )
    }

    /// On the user's node: that `by` acknowledged the alert, to each of its other contacts (type 5), so that
    /// they can coordinate. Bound to the alert, so that they go after it and stay as silent as it is.
    func relays(of ack: AckMessage, by name: String, to holders: [ContactRecord]) -> [OutboxEntry] {
        let body = WireJSON.encode(AckedMessage(alert: ack.alert, plan: ack.plan, by: name, ackedAt: ack.ackedAt))
        return holders.map { holder in
            var entry = seal(.acked, body, holder)
            entry.planID = ack.plan
            entry.alertID = ack.alert
            return entry
        }
    }
}
