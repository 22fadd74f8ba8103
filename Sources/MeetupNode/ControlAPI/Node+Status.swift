import Foundation
import MeetupControl

extension Node {
    func status() throws -> NodeStatus {
        let fingerprint = keys.fingerprint
        let now = clock.now
        let counts = try store.counts()
        let ownTracks = try store.ownTracksSettings()
        return NodeStatus(
            nodeID: fingerprint.nodeID,
            fingerprint: fingerprint.hex,
            version: MeetupVersion.current,
            home: configuration.home.path,
            startedAt: startedAt,
            uptimeSeconds: max(0, Int(now.timeIntervalSince(startedAt))),
            listen: address.listen?.description,
            advertise: address.url,
            schemaVersion: try store.schemaVersion(),
            counts: NodeStatus.Counts(
                plans: counts.plans, alerts: counts.alerts, contacts: counts.contacts, received: counts.received,
                outbox: counts.outbox, watching: counts.watching),
            envelopes: envelopeCounters.snapshot, problems: workProblems(now: now),
            ownTracksLastReport: ownTracks?.lastReportAt, ownTracksBattery: ownTracks?.lastBattery)
    }
}
