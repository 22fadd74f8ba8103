import Foundation
import MeetupControl
import MeetupCrypto
@testable import MeetupNode
import MeetupProtocol

/// A node on a real store in a temporary directory, with a clock the test moves, PINs 1234 (real) and
/// 9876 (duress) set, and its services: what the store-level suites share.
struct NodeFixture {
    let directory: TemporaryDirectory
    let clock = ManualClock()
    let node: Node
    let plans: PlanService
    let contacts: ContactService

    init() throws {
        directory = try TemporaryDirectory()
        node = try Node.forTests(in: directory, clock: clock)
        plans = node.plans
        contacts = node.contacts
        _ = try plans.setPIN(PINSetRequest(pin: "1234", duressPIN: "9876", currentPIN: nil))
    }

    /// Adds `peer` as the contact `name`, its card's endpoint `http://<name>.invalid:1`, where nothing answers.
    func addPeer(_ peer: TestPeer, as name: String, guardian: Bool = false) throws {
        let card = try peer.card(name, endpoints: ["http://\(name.lowercased()).invalid:1"], at: clock.now)
        _ = try contacts.add(ContactAddRequest(name: name, card: card.text, guardian: guardian, tier: 1))
    }

    /// Adds a contact with a fresh card whose endpoint nothing listens on.
    @discardableResult
    func addContact(_ name: String, tier: Int = 1) throws -> ContactRecord {
        let card = try ContactCard(
            signing: SigningKeyPair(), sealingKey: SealingKeyPair().publicKey, created: clock.now, name: name,
            endpoints: ["http://127.0.0.1:9"])
        _ = try contacts.add(ContactAddRequest(name: name, card: card.text, guardian: false, tier: tier))
        return try node.store.contact(named: name)!
    }
}
