import Foundation
import MeetupCrypto
import MeetupProtocol

/// This node as the sender of envelopes: signs with its Ed25519 key and seals to the recipient
/// (docs/PROTOCOL.md, "Envelope"). The one place an outgoing envelope is made.
struct EnvelopeSigner: Sendable {
    let keys: NodeKeys
    /// How long an outbox envelope is retried before it expires.
    let ttl: TimeInterval

    /// One envelope, valid from `now` for `lifetime` seconds (the outbox's time to live by default).
    func seal(
        _ type: MessageType, _ body: Data, to recipient: SealingPublicKey, at now: Date, lifetime: TimeInterval? = nil
    ) -> (envelope: Envelope, sealed: Data) {
        let envelope = Envelope(
            type: type, created: now, expires: now.addingTimeInterval(lifetime ?? ttl), sender: keys.signing.publicKey, body: body)
        return (envelope, envelope.seal(signer: keys.signing, to: recipient))
    }

    /// An outbox row for a contact, due now.
    func entry(_ type: MessageType, _ body: Data, to contact: ContactRecord, at now: Date) -> OutboxEntry {
        let (envelope, sealed) = seal(type, body, to: contact.sealingKey, at: now)
        return OutboxEntry(
            envelopeID: envelope.id, contact: contact, type: type, planID: nil, alertID: nil, sealed: sealed, createdAt: now,
            expiresAt: envelope.expires, nextAttemptAt: now)
    }

    /// An outbox row for someone known only by their card, first attempted at `notBefore`.
    func entry(
        _ type: MessageType, _ body: Data, to card: ContactCard, name: String, tier: Int, at now: Date, notBefore: Date
    ) -> CardEnvelope {
        let (envelope, sealed) = seal(type, body, to: card.sealingKey, at: now)
        return CardEnvelope(
            type: type, card: card, name: name, tier: tier, id: envelope.id, sealed: sealed, expires: envelope.expires,
            notBefore: notBefore)
    }

    /// The sealers the fan-out and the acks use, dated `now`.
    func sealers(at now: Date) -> (contact: EnvelopeSealer, card: CardSealer) {
        (
            { type, body, contact in entry(type, body, to: contact, at: now) },
            { type, body, card in entry(type, body, to: card, name: card.name, tier: 1, at: now, notBefore: now) }
        )
    }
}
