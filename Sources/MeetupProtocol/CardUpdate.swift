import Foundation
import MeetupCrypto

/// Type 6: a node's new card, sent to each of its contacts when its endpoints or name change
/// (docs/PROTOCOL.md, "card-update"): contacts reach it at the new endpoints without pairing again.
public struct CardUpdateMessage: Codable, Equatable, Sendable {
    public var card: String

    public init(card: String) {
        self.card = card
    }

    /// What the update does to the card held for its sender: `nil` when it is that card again (a repeat,
    /// which changes nothing), else the card to hold from now on. Refused: a card that does not parse or
    /// verify, signed by another key than the envelope's sender, with another sealing key than the one held
    /// (that is another node: pair again), or not later than the card held.
    public func replacing(
        _ held: ContactCard, sender: SigningPublicKey
    ) throws(EnvelopeError) -> ContactCard? {
        let update: ContactCard
        do { update = try ContactCard(parsing: card) } catch { throw .badBody("the card does not verify: \(error)") }
        guard update.signingKey == sender, update.signingKey == held.signingKey else {
            throw .badBody("the card is not signed by the envelope's sender")
        }
        guard update.sealingKey == held.sealingKey else { throw .badBody("a card update cannot change the node's keys") }
        if update.text == held.text { return nil }
        guard update.created > held.created else { throw .staleCard }
        return update
    }
}
