import Foundation
import GRDB
import MeetupProtocol

/// Stores a received alert, in the caller's transaction, and sends the ack again when the user's node's own
/// alert id has just replaced a guardian's escrow id of an incident already acknowledged.
struct AlertReceiver: Sendable {
    let store: Store
    let acks: AckEnvelopes

    func receive(
        _ db: Database, _ message: AlertMessage, from contact: ContactRecord, at now: Date, hooks: [HookKind], via route: String,
        guardianCard: ContactCard?
    ) throws {
        let again = try store.insertReceivedAlert(
            db, message, from: contact, at: now, hooks: hooks, via: route, guardianCard: guardianCard, newID: RandomID.make())
        if let again {
            try store.insertOutbox(db, acks.toSender(alertID: again.alertID, planID: again.planID, ackedAt: again.ackedAt, contact))
        }
    }
}
