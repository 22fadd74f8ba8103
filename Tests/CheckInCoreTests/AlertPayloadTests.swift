import CheckInCore
import Foundation
import Testing

@Suite("AlertPayload")
struct AlertPayloadTests {
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    func payload(_ lines: [RecordedLine]) throws -> AlertPayload {
        AlertPayload(
            plan: "P", draft: AlertDraft(reason: .missed, raisedAt: t0, deadline: t0, silent: false),
            match: try MatchDetails(pseudonym: "Kiwi"), place: try Place(name: "Cafe"), start: t0, until: t0.addingTimeInterval(3600),
            lines: lines)
    }

    @Test("built from the history: check-ins of both kinds, the trail from location lines, a region's name as its note")
    func fromHistory() throws {
        let fix = LocationFix(geo: try Coordinate(lat: 48.8, lon: 2.3), accuracy: 10, at: t0.addingTimeInterval(2))
        let region = RegionTransition(direction: .enter, region: "Home", fix: fix)
        let payload = try payload([
            RecordedLine(at: t0, kind: "started"),
            RecordedLine(at: t0.addingTimeInterval(1), kind: HistoryEntry.checkIn.kind),
            RecordedLine(at: fix.at, kind: HistoryEntry.locationKind, fix: fix),
            RecordedLine(at: fix.at, kind: "region-enter", region: region),
            RecordedLine(at: t0.addingTimeInterval(3), kind: HistoryEntry.checkInAfterAlert.kind),
        ])
        #expect(payload.reason == .missed && payload.raisedAt == t0 && payload.deadline == t0)
        #expect(payload.checkIns == [t0.addingTimeInterval(1), t0.addingTimeInterval(3)])
        #expect(payload.trail == [fix])
        #expect(payload.history.map(\.kind) == ["started", "check-in", "location", "region-enter", "check-in-after-alert"])
        #expect(payload.history.map(\.note) == [nil, nil, nil, "Home", nil])
    }

    @Test("a long history is cut to the most recent points, check-ins and lines an alert carries")
    func limits() throws {
        let fix = LocationFix(geo: try Coordinate(lat: 1, lon: 2), accuracy: nil, at: t0)
        let lines = (0..<600).flatMap { i in
            let at = t0.addingTimeInterval(TimeInterval(i))
            var moved = fix
            moved.at = at
            return [RecordedLine(at: at, kind: HistoryEntry.checkIn.kind), RecordedLine(at: at, kind: HistoryEntry.locationKind, fix: moved)]
        }
        let payload = try payload(lines)
        #expect(payload.trail.count == AlertPayload.trailLimit && payload.trail.last?.at == t0.addingTimeInterval(599))
        #expect(payload.checkIns.count == AlertPayload.checkInLimit && payload.checkIns.last == t0.addingTimeInterval(599))
        #expect(payload.history.count == AlertPayload.historyLimit && payload.history.last?.at == t0.addingTimeInterval(599))
    }
}
