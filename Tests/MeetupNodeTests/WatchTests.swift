import CheckInCore
import Foundation
import GRDB
import MeetupControl
import MeetupCrypto
@testable import MeetupNode
import MeetupProtocol
import Testing

/// The guardian's side in the store: replicas by version, heartbeats by sequence, the watchdog's verdicts.
@Suite("watch")
struct WatchTests {
    let directory: TemporaryDirectory
    let clock = ManualClock()
    let node: Node
    let user: ContactRecord

    init() throws {
        directory = try TemporaryDirectory()
        node = try Node.forTests(in: directory, clock: clock)
        let card = try ContactCard(
            signing: SigningKeyPair(), sealingKey: SealingKeyPair().publicKey, created: clock.now, name: "U",
            endpoints: ["http://127.0.0.1:9"])
        user = try node.store.insertContact(card, name: "Ulysse", tier: 1, guardian: false, at: clock.now)
    }

    func replica(version: Int, deadline: Date, seq: Int) -> ReplicaMessage {
        ReplicaMessage(
            plan: "p1", version: version, start: clock.now, everySeconds: 60, graceSeconds: 10,
            until: clock.now.addingTimeInterval(3_600), deadline: deadline, heartbeatSeq: seq, escalateAfterSeconds: 300,
            contacts: [], escrow: [], own: nil)
    }

    func wake() throws -> Date? {
        try node.store.writer.read { db in try Date.fetchOne(db, sql: "SELECT wake_at FROM watch") }
    }

    @Test("a replica sets the watch at deadline + grace + slack; an older version changes nothing")
    func replicaVersions() throws {
        let deadline = clock.now.addingTimeInterval(60)
        try node.store.writer.write { db in
            try node.store.storeReplica(db, replica(version: 5, deadline: deadline, seq: 5), from: user, at: clock.now, slack: 30)
            try node.store.storeReplica(db, replica(version: 4, deadline: deadline.addingTimeInterval(999), seq: 4), from: user, at: clock.now, slack: 30)
        }
        #expect(try wake() == deadline.addingTimeInterval(40))
    }

    @Test("a heartbeat moves the deadline; a replayed or older one is refused and changes nothing")
    func heartbeatOrder() throws {
        let deadline = clock.now.addingTimeInterval(60)
        try node.store.writer.write { db in
            try node.store.storeReplica(db, replica(version: 5, deadline: deadline, seq: 5), from: user, at: clock.now, slack: 30)
        }
        func beat(_ seq: Int, _ next: Date) throws {
            try node.store.writer.write { db in
                try node.store.applyHeartbeat(
                    db, HeartbeatMessage(plan: "p1", seq: seq, deadline: next, phase: .active, at: clock.now, kind: .checkIn),
                    from: user, slack: 30)
            }
        }
        let later = deadline.addingTimeInterval(60)
        try beat(7, later)
        #expect(try wake() == later.addingTimeInterval(40))
        #expect(throws: EnvelopeError.staleHeartbeat) { try beat(7, later.addingTimeInterval(60)) }
        #expect(throws: EnvelopeError.staleHeartbeat) { try beat(6, deadline) }
        #expect(try wake() == later.addingTimeInterval(40))
        let due = try node.store.dueWatches(now: later.addingTimeInterval(40), limit: 10, lease: 25)
        #expect(due.map(\.deadline) == [later] && due.map(\.seq) == [7], "the watched deadline and sequence are the heartbeat's")
        // A heartbeat that leaves the plan alerted leaves nothing to watch.
        try node.store.writer.write { db in
            try node.store.applyHeartbeat(
                db, HeartbeatMessage(plan: "p1", seq: 8, deadline: nil, phase: .alerted, at: clock.now, kind: .checkIn),
                from: user, slack: 30)
        }
        #expect(try wake() == nil)
    }

    @Test("the watchdog's verdicts")
    func verdicts() {
        let deadline = clock.now
        func statement(_ phase: Phase, _ next: Date?) -> LivenessMessage {
            LivenessMessage(plan: "p1", nonce: "n", phase: phase, deadline: next, lastCheckIn: nil)
        }
        #expect(Watchdog.verdict(nil, watching: deadline) == .alarm)
        #expect(Watchdog.verdict(statement(.active, deadline.addingTimeInterval(60)), watching: deadline) == .alive(deadline.addingTimeInterval(60)))
        #expect(Watchdog.verdict(statement(.active, deadline), watching: deadline) == .alarm)
        #expect(Watchdog.verdict(statement(.grace, deadline), watching: deadline) == .alarm)
        #expect(Watchdog.verdict(statement(.alerted, nil), watching: deadline) == .userAlerted)
        #expect(Watchdog.verdict(statement(.done, nil), watching: deadline) == .ended)
    }

    @Test("a replica older than the latest heartbeat does not move the deadline back; a stood-down plan is not revived")
    func lateReplicas() throws {
        let deadline = clock.now.addingTimeInterval(60)
        try node.store.writer.write { db in
            try node.store.storeReplica(db, replica(version: 5, deadline: deadline, seq: 5), from: user, at: clock.now, slack: 30)
            try node.store.applyHeartbeat(
                db, HeartbeatMessage(plan: "p1", seq: 9, deadline: deadline.addingTimeInterval(300), phase: .active, at: clock.now,
                                     kind: .checkIn),
                from: user, slack: 30)
            try node.store.storeReplica(db, replica(version: 8, deadline: deadline, seq: 8), from: user, at: clock.now, slack: 30)
        }
        #expect(try wake() == deadline.addingTimeInterval(340))
        try node.store.writer.write { db in
            try node.store.applyStandDown(
                db, StandDownMessage(plan: "p1", reason: .done, deadline: nil), from: user, at: clock.now, recheckAfter: 60)
            try node.store.storeReplica(db, replica(version: 20, deadline: deadline, seq: 20), from: user, at: clock.now, slack: 30)
        }
        #expect(try wake() == nil)
        #expect(try node.store.counts().watching == 0)
    }

    @Test("the user's node alerted: no alarm for that deadline, but the guardian asks again a minute later, and a later deadline restarts the watch")
    func alertedIsRechecked() throws {
        func statement(_ phase: Phase, _ next: Date?) -> LivenessMessage {
            LivenessMessage(plan: "p1", nonce: "n", phase: phase, deadline: next, lastCheckIn: nil)
        }
        let deadline = clock.now.addingTimeInterval(60)
        try node.store.writer.write { db in
            try node.store.storeReplica(db, replica(version: 1, deadline: deadline, seq: 1), from: user, at: clock.now, slack: 30)
            try node.store.applyStandDown(
                db, StandDownMessage(plan: "p1", reason: .alerted, deadline: deadline), from: user, at: clock.now,
                recheckAfter: Watchdog.alertedRecheck)
        }
        #expect(try wake() == clock.now.addingTimeInterval(Watchdog.alertedRecheck), "asked again, not forgotten")
        clock.advance(by: Watchdog.alertedRecheck)
        let due = try #require(try node.store.dueWatches(now: clock.now, limit: 10, lease: 25).first)
        // Still alerted: asked again a minute later. Back on watch (a duress check-in sends no heartbeat): watched.
        #expect(Watchdog.verdict(statement(.alerted, nil), watching: due.deadline) == .userAlerted)
        try node.store.recheckWatch(due, at: clock.now.addingTimeInterval(Watchdog.alertedRecheck))
        #expect(try wake() == clock.now.addingTimeInterval(Watchdog.alertedRecheck))
        let later = deadline.addingTimeInterval(600)
        #expect(Watchdog.verdict(statement(.active, later), watching: due.deadline) == .alive(later))
        try node.store.moveWatch(due, to: later, slack: 30)
        #expect(try wake() == later.addingTimeInterval(40))
    }
}
