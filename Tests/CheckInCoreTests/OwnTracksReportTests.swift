import CheckInCore
import Foundation
import Testing

/// Payloads shaped as the OwnTracks booklet documents them (owntracks.org/booklet/tech/json and
/// /features/waypoints): field names and types from there, not from memory.
@Suite("OwnTracks reports")
struct OwnTracksReportTests {
    let now = t0

    func parse(_ json: String) throws -> OwnTracksReport {
        try OwnTracksReport.parse(Data(json.utf8), now: now)
    }

    @Test("a location with every documented field: position, accuracy, battery and the phone's time")
    func location() throws {
        let report = try parse("""
            {"_type":"location","acc":75,"alt":13,"batt":42,"bs":2,"cog":270,"conn":"w","lat":48.856614,"lon":2.352222,\
            "m":1,"t":"p","tid":"YY","tst":1799999000,"vac":10,"vel":54,"BSSID":"aa:bb","SSID":"home","created_at":1799999001}
            """)
        let fix = try LocationFix(geo: Coordinate(lat: 48.856614, lon: 2.352222), accuracy: 75, at: Date(timeIntervalSince1970: 1_799_999_000), battery: 42)
        #expect(report == .location(fix))
    }

    @Test("only lat, lon and tst are required; a float tst is read to the second")
    func minimal() throws {
        let report = try parse(#"{"_type":"location","lat":-33.9,"lon":151.2,"tst":1799999999.7}"#)
        guard case let .location(fix) = report else { Issue.record("\(report)"); return }
        #expect(fix.at == Date(timeIntervalSince1970: 1_799_999_999))
        #expect(fix.accuracy == nil && fix.battery == nil)
    }

    @Test("a transition: enter or leave, with the region's name, cut to 100 characters")
    func transition() throws {
        let name = String(repeating: "é", count: 150)
        let report = try parse("""
            {"_type":"transition","desc":"\(name)","event":"leave","lat":48.87069,"lon":2.34916,"rid":"f7676c",\
            "tid":"j1","tst":1799990000,"wtst":1610104395,"t":"c","acc":20}
            """)
        guard case let .transition(transition) = report else { Issue.record("\(report)"); return }
        #expect(transition.direction == .leave)
        #expect(transition.region?.count == 100)
        #expect(transition.fix.accuracy == 20)
    }

    @Test("other types and the empty body are ignored, not refused")
    func ignored() throws {
        #expect(try parse(#"{"_type":"waypoint","desc":"Home","lat":"48.8","lon":"2.2","rad":"50","tst":"1385997757"}"#) == .ignored(type: "waypoint"))
        #expect(try parse(#"{"_type":"lwt","tst":1385997757}"#) == .ignored(type: "lwt"))
        #expect(try parse(" \n") == .ignored(type: ""))
    }

    @Test("refusals name the field", arguments: [
        (#"{"_type":"location","lat":48.1,"tst":1799999000}"#, "lon: missing"),
        (#"{"_type":"location","lat":48.1,"lon":2,"tst":"1799999000"}"#, "tst: expected a number"),
        (#"{"_type":"location","lat":48.1,"lon":200,"tst":1799999000}"#, "lon: expected degrees, -180 to 180"),
        (#"{"_type":"location","lat":48.1,"lon":2,"tst":1800003601}"#, "tst: more than an hour ahead of this node's clock"),
        (#"{"_type":"location","lat":48.1,"lon":2,"tst":0}"#, "tst: expected seconds since 1970"),
        (#"{"_type":"location","lat":48.1,"lon":2,"tst":1799999000,"acc":-1}"#, "acc: expected a distance in metres, 0 to 1000000"),
        (#"{"_type":"location","lat":48.1,"lon":2,"tst":1799999000,"batt":101}"#, "batt: expected a percentage, 0 to 100"),
        (#"{"_type":"transition","lat":48.1,"lon":2,"tst":1799999000}"#, "event: missing"),
        (#"{"_type":7}"#, "_type: expected a string"),
        (#"not json"#, "expected a JSON object"),
    ])
    func refused(json: String, message: String) {
        #expect(throws: OwnTracksError.self) { try parse(json) }
        do { _ = try parse(json) } catch { #expect("\(error)" == message) }
    }

    @Test("a location or region report never moves a deadline nor changes a phase, in any phase")
    func neverACheckIn() throws {
        let machine = CheckInMachine()
        let fix = try LocationFix(geo: Coordinate(lat: 1, lon: 2), accuracy: nil, at: at(700))
        let active = machine.apply(.startReached, to: try hourPlan(), at: t0).state
        let grace = machine.apply(.deadlineReached, to: active, at: at(600)).state
        let alerted = machine.apply(.graceOver, to: grace, at: at(720)).state
        #expect([active.phase, grace.phase, alerted.phase] == [.active, .grace, .alerted])
        for (state, instant) in [(active, at(300)), (grace, at(650)), (alerted, at(800))] {
            for event in [CheckInEvent.location(fix), .region(RegionTransition(direction: .enter, region: "Bar", fix: fix))] {
                let transition = machine.apply(event, to: state, at: instant)
                #expect(transition.state == state)
                #expect(transition.effects.count == 1)
            }
        }
    }
}
