import CheckInCore
import Foundation
import GRDB
import HTTPTypes
import HummingbirdTesting
import MeetupControl
import MeetupCrypto
@testable import MeetupNode
import Hummingbird
import NIOCore
import Testing

/// `POST /v1/owntracks` on a live peer listener (loopback), with payloads shaped as the OwnTracks booklet
/// documents them (owntracks.org/booklet/tech/json, /features/waypoints).
@Suite("OwnTracks")
struct OwnTracksTests {
    let fixture: NodeFixture
    var node: Node { fixture.node }
    var clock: ManualClock { fixture.clock }

    init() throws {
        fixture = try NodeFixture()
        node.address.bind(ListenAddress(host: "127.0.0.1", port: 7744))
    }

    /// A location as the app sends it: `acc`, `alt`, `batt`, `vel` integers, `lat`/`lon` floats, `tst` seconds.
    func location(lat: Double, lon: Double, tst: Date, acc: Int = 12, batt: Int = 76) -> String {
        """
        {"_type":"location","acc":\(acc),"alt":35,"batt":\(batt),"bs":1,"conn":"m","lat":\(lat),"lon":\(lon),\
        "t":"u","tid":"ph","tst":\(Int(tst.timeIntervalSince1970)),"vac":3,"vel":4,"created_at":\(Int(tst.timeIntervalSince1970))}
        """
    }

    func post(_ client: some TestClientProtocol, _ body: String, authorization: String?) async throws -> (HTTPResponse.Status, String, HTTPFields) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let authorization { headers[.authorization] = authorization }
        return try await client.execute(uri: "/v1/owntracks", method: .post, headers: headers, body: ByteBuffer(string: body)) { response in
            (response.status, String(buffer: response.body), response.headers)
        }
    }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    func trail(ofAlert id: String) throws -> AlertPayload {
        let sealed = try node.store.writer.read { db in try Data.fetchOne(db, sql: "SELECT payload FROM alert WHERE id = ?", arguments: [id]) }
        return try node.store.cipher.open(AlertPayload.self, from: #require(sealed), for: SealedColumn(table: "alert", column: "payload", rowKey: id))
    }

    @Test("setup: the same settings until --rotate, the app's configuration link with the key and move mode")
    func setUp() throws {
        let receiver = node.ownTracks
        let first = try receiver.setUp()
        #expect(first.url == "http://127.0.0.1:7744/v1/owntracks")
        #expect(first.warning != nil, "a loopback address is no use to a phone")
        #expect(first.username == "meetup")
        #expect(first.password.count == 26 && first.encryptionKey.count == 26)
        #expect(first.rotated, "the first setup makes them")
        let again = try receiver.setUp()
        #expect(again.password == first.password && again.encryptionKey == first.encryptionKey && !again.rotated,
                "showing the settings again does not break the phone")
        let second = try receiver.setUp(rotate: true)
        #expect(second.password != first.password && second.encryptionKey != first.encryptionKey && second.rotated)
        let inline = try #require(second.configURL.split(separator: "=", maxSplits: 1).last)
        #expect(second.configURL.hasPrefix("owntracks:///config?inline="))
        let json = try #require(Data(base64Encoded: String(inline)))
        let configuration = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(configuration["_type"] as? String == "configuration")
        #expect(configuration["mode"] as? Int == 3)
        #expect(configuration["monitoring"] as? Int == 2, "move mode")
        #expect(configuration["url"] as? String == second.url)
        #expect(configuration["username"] as? String == "meetup")
        #expect(configuration["password"] as? String == second.password)
        #expect(configuration["encryptionKey"] as? String == second.encryptionKey)
        let stored = try node.store.writer.read { db in try OwnTracksCredentialRecord.fetchOne(db, key: 1) }
        let record = try #require(stored)
        #expect(record.passwordHash.count == 32)
        for sealed in [record.password, record.encryptionKey] {
            let bytes = try #require(sealed)
            #expect(!String(decoding: bytes, as: UTF8.self).contains(second.password) && !String(decoding: bytes, as: UTF8.self).contains(second.encryptionKey))
        }
    }

    @Test("an encrypted report (the app's secretbox) is opened with the setup's key and lands in the trail; another key's is refused")
    func encrypted() async throws {
        let setup = try node.ownTracks.setUp()
        let auth = Self.basic(setup.username, setup.password)
        let plan = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true))
        _ = try node.store.advanceDue(to: clock.now, limit: 10, node.transitions)
        @Sendable func wrapped(_ plain: String, key: String) -> String {
            let box = SecretBox.seal(Data(plain.utf8), key: OwnTracksReceiver.secretBoxKey(key))
            return #"{"_type":"encrypted","data":"\#(box.base64EncodedString())"}"#
        }
        let app = Application(router: node.peerServer.router)
        try await app.test(.live) { client in
            let good = try await post(client, wrapped(location(lat: 48.5, lon: 2.3, tst: clock.now), key: setup.encryptionKey), authorization: auth)
            #expect(good.0 == .ok)
            let bad = try await post(client, wrapped(location(lat: 48.6, lon: 2.3, tst: clock.now), key: "another key"), authorization: auth)
            #expect(bad.0 == .badRequest && bad.1.contains("does not open"), "\(bad.1)")
        }
        #expect(try fixture.plans.log(plan.plan).events.filter { $0.kind == "location" }.count == 1)
        let settings = try #require(try node.store.ownTracksSettings())
        #expect(settings.lastReportAt == clock.now && settings.lastBattery == 76)
    }

    @Test("locations join the trail in order of tst, answered with []; a location is never a check-in")
    func trailAndNoCheckIn() async throws {
        let setup = try node.ownTracks.setUp()
        let auth = Self.basic(setup.username, setup.password)
        let plan = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", grace: "5m", length: "1h", also: true, noContacts: true))
        let start = clock.now
        let app = Application(router: node.peerServer.router)
        try await app.test(.live) { client in
            // Arrival order 2, 0, 3, 1; one from before the plan (the app queued it while offline).
            for (minute, lat) in [(2.0, 48.2), (-3.0, 48.0), (3.0, 48.3), (1.0, 48.1)] {
                let (status, body, _) = try await post(client, location(lat: lat, lon: 2.35, tst: start.addingTimeInterval(minute * 60)), authorization: auth)
                #expect(status == .ok)
                #expect(body == "[]")
            }
            clock.advance(by: 11 * 60)
            _ = try node.store.advanceDue(to: clock.now, limit: 10, node.transitions)
            let (status, _, _) = try await post(client, location(lat: 48.4, lon: 2.35, tst: clock.now), authorization: auth)
            #expect(status == .ok)
        }
        #expect(try fixture.plans.status(plan.plan).phase == .grace, "locations do not move the deadline")
        #expect(try fixture.plans.status(plan.plan).lastCheckIn == nil)
        clock.advance(by: 5 * 60)
        let (outcomes, _) = try node.store.advanceDue(to: clock.now, limit: 10, node.transitions)
        let missed = try #require(outcomes.first?.raised.first)
        #expect(missed.reason == .missed, "moving phone, no check-in: the alert goes out")
        let payload = try trail(ofAlert: missed.id)
        #expect(payload.trail.map(\.geo.lat) == [48.0, 48.1, 48.2, 48.3, 48.4])
        #expect(payload.trail.first?.accuracy == 12)
        #expect(payload.trail.first?.battery == 76)
        let log = try fixture.plans.log(plan.plan).events
        let times = log.map(\.at)
        #expect(times == times.sorted(), "the history is in the phone's time order")
        #expect(log.filter { $0.kind == "location" }.count == 5)
        #expect(!log.contains { $0.kind == "check-in" })
    }

    @Test("bad or missing credentials: 401 naming Basic; after 10 a minute, 429 even with the right ones")
    func credentials() async throws {
        let setup = try node.ownTracks.setUp()
        _ = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true))
        let body = location(lat: 48.1, lon: 2.3, tst: clock.now)
        let app = Application(router: node.peerServer.router)
        try await app.test(.live) { client in
            let (missing, _, headers) = try await post(client, body, authorization: nil)
            #expect(missing == .unauthorized)
            #expect(headers[.wwwAuthenticate]?.hasPrefix("Basic") == true)
            for wrong in [Self.basic("meetup", "nope"), Self.basic("other", setup.password), "Bearer x", "Basic !!!"] {
                #expect(try await post(client, body, authorization: wrong).0 == .unauthorized)
            }
            for _ in 0..<5 { _ = try await post(client, body, authorization: Self.basic("meetup", "guess")) }
            let (limited, _, limitedHeaders) = try await post(client, body, authorization: Self.basic(setup.username, setup.password))
            #expect(limited == .tooManyRequests)
            #expect(limitedHeaders[.retryAfter] != nil)
            clock.advance(by: 61)
            #expect(try await post(client, body, authorization: Self.basic(setup.username, setup.password)).0 == .ok)
        }
        #expect(try fixture.plans.log(PlanStatus.currentID).events.filter { $0.kind == "location" }.count == 1)
    }

    @Test("transitions go to the history with the region's name; other types and empty bodies are accepted and ignored")
    func transitionsAndOthers() async throws {
        let setup = try node.ownTracks.setUp()
        let auth = Self.basic(setup.username, setup.password)
        let plan = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true))
        let tst = Int(clock.now.timeIntervalSince1970)
        let app = Application(router: node.peerServer.router)
        try await app.test(.live) { client in
            let transition = """
                {"_type":"transition","desc":"Le bar","event":"enter","lat":48.87069,"lon":2.34916,"rid":"f7676c","t":"c",\
                "tid":"ph","tst":\(tst),"wtst":1610104395,"acc":10}
                """
            #expect(try await post(client, transition, authorization: auth).1 == "[]")
            for other in [#"{"_type":"waypoint","desc":"Home","lat":48.8,"lon":2.2,"rad":50,"tst":1385997757}"#,
                          #"{"_type":"lwt","tst":1385997757}"#, #"{"_type":"status","iOS":{}}"#, ""] {
                let (status, body, _) = try await post(client, other, authorization: auth)
                #expect(status == .ok)
                #expect(body == "[]")
            }
        }
        let log = try fixture.plans.log(plan.plan).events.map(\.kind)
        #expect(log.filter { $0 == "region-enter" }.count == 1)
        #expect(!log.contains("location"))
        let alert = try #require(try fixture.plans.panic(plan.plan).alerts.first)
        let history = try trail(ofAlert: alert.id).history
        #expect(history.contains { $0.kind == "region-enter" && $0.note == "Le bar" })
    }

    @Test("a malformed report gets 400 naming the field; with no plan started, nothing is kept")
    func refusedAndDropped() async throws {
        let setup = try node.ownTracks.setUp()
        let auth = Self.basic(setup.username, setup.password)
        let app = Application(router: node.peerServer.router)
        try await app.test(.live) { client in
            let cases: [(String, String)] = [
                (#"{"_type":"location","lon":2.3,"tst":1800000000}"#, "lat: missing"),
                (#"{"_type":"location","lat":"48.1","lon":2.3,"tst":1800000000}"#, "lat: expected a number"),
                (#"{"_type":"location","lat":91,"lon":2.3,"tst":1800000000}"#, "lat:"),
                (#"{"_type":"location","lat":48.1,"lon":2.3,"tst":1900000000}"#, "tst: more than an hour ahead"),
                (#"{"_type":"location","lat":48.1,"lon":2.3,"tst":1800000000,"batt":140}"#, "batt:"),
                (#"{"_type":"transition","lat":48.1,"lon":2.3,"tst":1800000000,"event":"stay"}"#, "event:"),
                (#"{"lat":48.1}"#, "_type: missing"),
                ("[1,2]", "expected a JSON object"),
            ]
            for (body, expected) in cases {
                let (status, text, _) = try await post(client, body, authorization: auth)
                #expect(status == .badRequest, "\(body)")
                #expect(text.contains(expected), "\(body): \(text)")
            }
            let (status, body, _) = try await post(client, location(lat: 48.1, lon: 2.3, tst: clock.now), authorization: auth)
            #expect(status == .ok)
            #expect(body == "[]")
            // A plan armed for later does not collect the movements before it starts.
            _ = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", start: "+2h", every: "10m", length: "1h", also: true, noContacts: true))
            #expect(try await post(client, location(lat: 48.1, lon: 2.3, tst: clock.now), authorization: auth).0 == .ok)
        }
        let rows = try await node.store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM history WHERE kind = 'location'") }
        #expect(rows == 0)
    }
}
