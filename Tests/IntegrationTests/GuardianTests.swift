import Foundation
import GRDB
import MeetupControl
@testable import MeetupNode
import MeetupProtocol
import Testing

/// Guardians, so far: replication. The user's node sends each guardian of a plan a replica with the sealed
/// escrow, the guardian confirms with a signed receipt, and `done` tells it to forget the plan.
@Suite("guardians: replication, for real", .serialized)
struct GuardianTests {
    @Test("a guardian confirms the replica, can open only its own escrow copy, and forgets the plan on done")
    func replication() throws {
        let user = try Daemon.withPINs()
        let guardian = try Daemon()
        let carol = try Daemon()
        try user.addContact("Asso", card: try guardian.card, ["--guardian"])
        try guardian.addContact("Ulysse", card: try user.card)
        try pair(user, as: "Ulysse", with: carol, as: "Carol")
        #expect(try user.json(["contacts", "show", "Asso"], as: ContactInfo.self).guardian)

        let armed = try user.ctl(["arm", "--json", "--match", "Alexandre", "--place", "Le Quetzal", "--geo", "48.8566,2.3522",
                                  "--every", "1m", "--for", "1h"])
        #expect(armed.status == 0, "\(armed.stderr)")
        #expect(!armed.stderr.contains("not yet watched"), "\(armed.stderr)")
        let plan = try ControlJSON.decoder().decode(PlanStatus.self, from: Data(armed.stdout.utf8))
        #expect(plan.guardians.map(\.contact) == ["Asso"])
        #expect(plan.guardians.first?.state == .confirmed)
        #expect(try guardian.status().counts.watching == 1)
        // A where refreshes the replica (the escrow carries the trail); the guardian still confirms.
        #expect(try user.ctl(["where", plan.plan, "48.857,2.353"]).status == 0)
        #expect(try waitFor(5) { try user.plan(plan.plan).guardians.first?.state == .confirmed })

        // What the guardian holds: its own copy opens; the contacts' copies do not.
        let guardianPort = try guardian.port
        _ = guardian.stop()
        let keys = try NodeKeys.loadOrCreate(in: NodeHome(path: guardian.home, isExplicit: true))
        let store = try openStore(guardian.home)
        let row = try #require(try store.writer.read { db in try Row.fetchOne(db, sql: "SELECT user_key, plan_id, content FROM watch") })
        let replica = try store.cipher.open(
            ReplicaMessage.self, from: row["content"], for: Store.watchColumn(userKey: row["user_key"], planID: row["plan_id"]))
        #expect(replica.plan == plan.plan)
        #expect(replica.contacts.map(\.name).sorted() == ["Asso", "Carol"])
        #expect(replica.escrow.count == 1)
        for copy in replica.escrow {
            #expect(throws: EnvelopeError.wrongRecipient) { try Envelope.open(copy.envelope, with: keys.sealing) }
        }
        let own = try Envelope.open(try #require(replica.own), with: keys.sealing)
        let escrowed = try WireJSON.decode(AlertMessage.self, from: own.body)
        #expect(escrowed.escrow == true)
        #expect(escrowed.guardians?.map(\.name) == ["Asso"])
        #expect(escrowed.payload.match.pseudonym == "Alexandre")
        #expect(escrowed.payload.trail.count == 1)
        for needle in ["Alexandre", "Le Quetzal", "48.85"] {
            #expect(try filesContaining(needle, under: guardian.home).isEmpty, "\(needle) in clear in the guardian's home")
        }

        let back = try Daemon(home: guardian.home, port: guardianPort)
        #expect(try user.ctl(["done", plan.plan, "--pin-stdin"], stdin: Daemon.pin + "\n").status == 0)
        #expect(try waitFor(10) { try back.status().counts.watching == 0 }, "the guardian still watches after done")
    }

    @Test("a guardian offline while the user arms gets the replica when it returns; arm says it is not yet watched")
    func offlineGuardian() throws {
        let user = try Daemon.withPINs()
        let guardian = try Daemon()
        try user.addContact("Asso", card: try guardian.card, ["--guardian"])
        try guardian.addContact("Ulysse", card: try user.card)
        let port = try guardian.port
        #expect(guardian.stop() == 0)
        let armed = try user.ctl(["arm", "--json", "--match", "A", "--place", "P", "--every", "1m", "--for", "1h"])
        #expect(armed.status == 0, "\(armed.stderr)")
        #expect(armed.stderr.contains("not yet watched by a guardian"), "\(armed.stderr)")
        let plan = try ControlJSON.decoder().decode(PlanStatus.self, from: Data(armed.stdout.utf8))
        #expect(plan.guardians.first?.state == .pending)
        let back = try Daemon(home: guardian.home, port: port)
        #expect(try waitFor(10) { try user.plan(plan.plan).guardians.first?.state == .confirmed })
        #expect(try back.status().counts.watching == 1)
    }
}
