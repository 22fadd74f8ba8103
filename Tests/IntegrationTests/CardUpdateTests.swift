import Foundation
import MeetupControl
@testable import MeetupNode
import Testing

/// A contact's node moves (another port, a new --advertise): it tells its contacts, who reach it there
/// without pairing again (docs/PROTOCOL.md, "card-update").
@Suite("card updates, for real", .serialized)
struct CardUpdateIntegrationTests {
    @Test("a contact restarted on another endpoint sends its new card; the alert reaches it there, unpaired again")
    func newEndpointWithoutPairing() throws {
        let user = try Daemon.withPINs()
        // The first daemon object owns the home's directory: it lives to the end of the test.
        let first = try Daemon()
        try pair(user, as: "Ulysse", with: first, as: "Carol")
        let oldPort = try first.port
        // Carol's node comes back elsewhere: its old port now answers nothing.
        let newPort = try freePort()
        let carol = try Daemon(home: first.home, port: newPort, stopping: first)
        defer { withExtendedLifetime(first) {} }
        let moved = try waitFor(10) { () -> [String]? in
            let endpoints = try user.json(["contacts", "show", "Carol"], as: ContactInfo.self).endpoints
            return endpoints == ["http://127.0.0.1:\(newPort)"] ? endpoints : nil
        }
        #expect(moved != nil, "the user's node still has Carol at port \(oldPort)")
        let shown = try user.json(["contacts", "show", "Carol"], as: ContactInfo.self)
        #expect(shown.name == "Carol" && shown.tier == 1)
        // The same card is given again while the endpoint stays: no update for nothing.
        #expect(try carol.card == (try carol.card))

        let plan = try user.arm(["--match", "Kiwi", "--place", "Cafe", "--every", "2s", "--grace", "1s", "--for", "1h"])
        let alert = try waitFor(10) { try carol.receivedAlerts().first }
        #expect(alert?.plan == plan.plan && alert?.from == "Ulysse", "the alert did not reach Carol at her new endpoint")
    }
}
