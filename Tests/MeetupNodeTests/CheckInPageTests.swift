import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MeetupControl
@testable import MeetupNode
import NIOCore
import Testing

/// The check-in page behind `meetupctl link`, on a live peer listener (loopback). The real browser test
/// is in IntegrationTests/CheckInPageBrowserTests.swift.
@Suite("check-in page")
struct CheckInPageTests {
    let fixture: NodeFixture
    var node: Node { fixture.node }

    init() throws {
        fixture = try NodeFixture()
        node.address.bind(ListenAddress(host: "127.0.0.1", port: 7744))
    }

    struct Page {
        var status: HTTPResponse.Status
        var html: String
        var headers: HTTPFields

        /// The page's nonce, from its hidden field.
        var nonce: String? {
            guard let range = html.range(of: #"name="nonce" value=""#) else { return nil }
            return String(html[range.upperBound...].prefix { $0 != "\"" })
        }

        /// The page without its nonce, which differs on every render.
        var withoutNonce: String { nonce.map { html.replacingOccurrences(of: $0, with: "NONCE") } ?? html }
    }

    func get(_ client: some TestClientProtocol, _ path: String) async throws -> Page {
        try await client.execute(uri: path, method: .get) { Page(status: $0.status, html: String(buffer: $0.body), headers: $0.headers) }
    }

    func post(_ client: some TestClientProtocol, _ path: String, _ fields: [String: String]) async throws -> Page {
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await client.execute(
            uri: path, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: body)
        ) { Page(status: $0.status, html: String(buffer: $0.body), headers: $0.headers) }
    }

    func path(_ link: CheckInLink) -> String { String(link.url.dropFirst("http://127.0.0.1:7744".count)) }

    /// Posts the form as a browser does: a 303 to the result view, which it then GETs.
    func submit(_ client: some TestClientProtocol, _ path: String, _ fields: [String: String]) async throws -> Page {
        let answer = try await post(client, path, fields)
        #expect(answer.status == .seeOther)
        #expect(answer.html.isEmpty)
        let location = try #require(answer.headers[.location])
        // Relative to the page (`TOKEN?r=…`), so that a prefix in --advertise is kept.
        #expect(!location.hasPrefix("/") && location.contains("?r="))
        let directory = path[..<(path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.endIndex)]
        return try await get(client, directory + location)
    }

    @Test("the link: 128 random bits on the advertised endpoint, the same until revoked, none for an ended plan")
    func link() throws {
        let plan = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true))
        let link = try fixture.plans.link(plan.plan)
        #expect(link.url.hasPrefix("http://127.0.0.1:7744/c/"))
        #expect(link.warning?.hasPrefix("this address works only on this machine") == true)
        #expect(PlanService.phoneWarning("http://100.64.1.2:7744/c/x")?.hasPrefix("plain http") == true)
        #expect(PlanService.phoneWarning("https://meetup.example.org/c/x") == nil)
        #expect(link.url.split(separator: "/").last?.count == 26)
        #expect(try fixture.plans.link(plan.plan) == link)
        _ = try fixture.plans.revokeLink(plan.plan)
        #expect(throws: ControlError.linkNotFound(plan: plan.plan)) { try fixture.plans.revokeLink(plan.plan) }
        #expect(try fixture.plans.link(plan.plan) != link)
        _ = try fixture.plans.pinCommand(plan.plan, pin: "1234", .done)
        #expect(throws: ControlError.self) { try fixture.plans.link(plan.plan) }
        let stored = try node.store.writer.read { db in try Data.fetchAll(db, sql: "SELECT token FROM checkin_link") }
        #expect(stored.allSatisfy { !String(decoding: $0, as: UTF8.self).contains(link.url.split(separator: "/").last!) })
    }

    @Test("GET shows the deadline and no match detail, with strict headers, and changes nothing")
    func show() async throws {
        let plan = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe de Flore", every: "10m", length: "1h", also: true, noContacts: true))
        let link = try fixture.plans.link(plan.plan)
        // The scheduler's tick starts the plan.
        _ = try node.store.advanceDue(to: fixture.clock.now, limit: 10, node.transitions)
        let before = try fixture.plans.log(plan.plan)
        let app = Application(router: node.peerServer.router)
        try await app.test(.live) { client in
            for _ in 0..<3 {
                let page = try await get(client, path(link))
                #expect(page.status == .ok)
                #expect(page.html.contains("Next check-in by"))
                #expect(!page.html.contains("Kiwi") && !page.html.contains("Flore"))
                #expect(page.nonce != nil)
                #expect(page.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
                #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(page.headers[.cacheControl] == "no-store")
                #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                #expect(!page.html.contains("http://") && !page.html.contains("https://"), "no external asset")
            }
        }
        #expect(try fixture.plans.log(plan.plan) == before)
    }

    @Test("an unknown or revoked link, or one whose plan's retention ended, gets exactly the 404 of any unknown path; an ended plan's offers Help only")
    func unknown() async throws {
        let plan = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true))
        let link = try fixture.plans.link(plan.plan)
        let app = Application(router: node.peerServer.router)
        try await app.test(.live) { client in
            let reference = try await get(client, "/nothing/here")
            #expect(reference.status == .notFound)
            func same(_ page: Page) {
                #expect(page.status == reference.status)
                #expect(page.html == reference.html)
                let names: [String] = page.headers.map(\.name.canonicalName).sorted()
                let referenceNames: [String] = reference.headers.map(\.name.canonicalName).sorted()
                #expect(names == referenceNames)
            }
            same(try await get(client, "/c/aaaaaaaaaaaaaaaaaaaaaaaaaa"))
            same(try await post(client, "/c/aaaaaaaaaaaaaaaaaaaaaaaaaa", ["action": "help"]))
            _ = try fixture.plans.revokeLink(plan.plan)
            same(try await get(client, path(link)))
            let again = try fixture.plans.link(plan.plan)
            _ = try fixture.plans.pinCommand(plan.plan, pin: "1234", .done)
            let ended = try await get(client, path(again))
            #expect(ended.status == .ok)
            #expect(ended.html.contains("This plan has ended. If you need help now, Help still alerts your contacts."))
            #expect(ended.html.contains(#"value="help""#) && !ended.html.contains(#"value="check-in""#) && !ended.html.contains("PIN</label>"))
            _ = try fixture.plans.revokeLink(plan.plan)
            same(try await get(client, path(again)))
        }
    }

    @Test("I'm OK with the real and the duress PIN: the same page; the duress one alerts silently")
    func duress() async throws {
        try fixture.addContact("Anne")
        let plan = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true))
        let link = try fixture.plans.link(plan.plan)
        let app = Application(router: node.peerServer.router)
        try await app.test(.live) { client in
            let page = try await get(client, path(link))
            let real = try await submit(client, path(link), ["nonce": page.nonce!, "pin": "1234", "action": "check-in"])
            #expect(real.html.contains("Checked in at"))
            let duress = try await submit(client, path(link), ["nonce": real.nonce!, "pin": "9876", "action": "check-in"])
            #expect(duress.withoutNonce == real.withoutNonce)
        }
        let silent = try await node.store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alert WHERE reason = 'duress' AND silent = 1") }
        #expect(silent == 1)
        #expect(try fixture.plans.log(plan.plan).events.filter { $0.kind == "check-in" }.count == 2)
    }

    @Test("no nonce or a forged one: nothing done; wrong PINs lock the PIN but never Help")
    func protections() async throws {
        try fixture.addContact("Anne")
        let plan = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true))
        let link = try fixture.plans.link(plan.plan)
        let app = Application(router: node.peerServer.router)
        try await app.test(.live) { client in
            let noNonce = try await submit(client, path(link), ["pin": "1234", "action": "check-in"])
            #expect(noNonce.html.contains("out of date"))
            let otherPlan = try fixture.plans.arm(ArmRequest(match: "Pear", place: "Bar", every: "10m", length: "1h", also: true, noContacts: true))
            let otherLink = try fixture.plans.link(otherPlan.plan)
            let otherNonce = try await get(client, path(otherLink)).nonce!
            let moved = try await submit(client, path(link), ["nonce": otherNonce, "pin": "1234", "action": "check-in"])
            #expect(moved.html.contains("out of date"), "a nonce is bound to its link")
            #expect(try fixture.plans.status(plan.plan).lastCheckIn == nil)

            var nonce = try await get(client, path(link)).nonce!
            for _ in 0..<node.configuration.rules.pinFailureLimit {
                let wrong = try await submit(client, path(link), ["nonce": nonce, "pin": "0000", "action": "check-in"])
                #expect(wrong.html.contains("Wrong PIN"))
                nonce = try #require(wrong.nonce)
            }
            let locked = try await submit(client, path(link), ["nonce": nonce, "pin": "1234", "action": "check-in"])
            #expect(locked.html.contains("Too many wrong PINs"))
            #expect(try fixture.plans.status(plan.plan).lastCheckIn == nil)
            let help = try await submit(
                client, path(link), ["nonce": try #require(locked.nonce), "action": "help", "lat": "48.85", "lon": "2.35", "acc": "20"])
            #expect(help.html.contains("Help is called"))
            fixture.clock.advance(by: 301)
            let after = try await submit(client, path(link), ["nonce": try #require(help.nonce), "pin": "1234", "action": "check-in"])
            #expect(after.html.contains("Checked in at"))
        }
        let reasons = try await node.store.writer.read { db in try String.fetchAll(db, sql: "SELECT reason FROM alert ORDER BY recorded_at") }
        #expect(reasons == ["pin-failures", "panic"])
        #expect(try fixture.plans.log(plan.plan).events.contains { $0.kind == "location" }, "the position sent with Help")
    }

    @Test("a page older than the nonce's lifetime: the PIN actions ask to press again, Help still goes out")
    func oldPage() async throws {
        try fixture.addContact("Anne")
        let plan = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "20h", length: "24h", also: true, noContacts: true))
        let link = try fixture.plans.link(plan.plan)
        let app = Application(router: node.peerServer.router)
        try await app.test(.live) { client in
            let stale = try #require(try await get(client, path(link)).nonce)
            fixture.clock.advance(by: CheckInPage.nonceLifetime + 1)
            let late = try await submit(client, path(link), ["nonce": stale, "pin": "1234", "action": "check-in"])
            #expect(late.html.contains("out of date"), "a PIN action needs a fresh page")
            #expect(try fixture.plans.status(plan.plan).lastCheckIn == nil)
            let help = try await submit(client, path(link), ["nonce": stale, "action": "help"])
            #expect(help.html.contains("Help is called"))
            let forged = try await submit(client, path(link), ["nonce": "AAAA", "action": "help"])
            #expect(forged.html.contains("out of date"), "Help still needs this link's own nonce")
        }
        #expect(try fixture.plans.status(plan.plan).alerts.map(\.reason) == ["panic"])
    }

    @Test("Help on an ended plan's page alerts its contacts on a plan made for it, with its match and last position; a second press joins it; after retention, 404")
    func helpAfterTheEnd() async throws {
        try fixture.addContact("Anne")
        try fixture.addContact("Bea")
        let plan = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", contacts: ["Anne"], also: true, noContacts: true))
        let link = try fixture.plans.link(plan.plan)
        _ = try fixture.plans.location(plan.plan, LocationRequest(geo: "48.8600,2.3500", accuracy: nil))
        _ = try fixture.plans.pinCommand(plan.plan, pin: "1234", .done)
        let app = Application(router: node.peerServer.router)
        try await app.test(.live) { client in
            let page = try await get(client, path(link))
            let help = try await submit(client, path(link), ["nonce": try #require(page.nonce), "action": "help"])
            #expect(help.html.contains("Help is called"))
            let again = try await submit(
                client, path(link), ["nonce": try #require(help.nonce), "action": "help", "lat": "48.9", "lon": "2.4", "acc": "30"])
            #expect(again.html.contains("Help is called"))
        }
        let running = try fixture.plans.list().plans.filter { !$0.phase.isEnded }
        #expect(running.count == 1, "one plan made for Help, joined by the second press")
        let helpPlan = try #require(running.first)
        #expect(helpPlan.phase == .alerted && helpPlan.contacts == ["Anne"])
        #expect(helpPlan.alerts.map(\.reason) == ["panic"])
        #expect(alertRevision(helpPlan.plan) == 1, "the second press updated the alert")
        let store = node.store
        let alert = try #require(try await store.writer.read { db in try store.latestAlert(db, planID: helpPlan.plan, silent: false) })
        let payload = try store.openPayload(of: alert)
        #expect(payload.match.pseudonym == "Kiwi" && payload.place.name == "Cafe")
        #expect(payload.trail.map(\.geo.lat) == [48.86, 48.9], "the ended plan's last position, then the one sent with Help")
        // Once the ended plan's retention is over, its link opens nothing.
        fixture.clock.advance(by: TimeInterval(node.configuration.rules.retention) + 60)
        try node.scheduler.runDue()
        try await app.test(.live) { client in
            let gone = try await get(client, path(link))
            #expect(gone.status == .notFound)
        }
    }

    @Test("a page made for fear: a countdown, then in grace the alarm's time in red; after the alarm who was told; the result view refreshes itself")
    func states() async throws {
        try fixture.addContact("Anne")
        let plan = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", grace: "2m", length: "1h"))
        let link = try fixture.plans.link(plan.plan)
        _ = try node.store.advanceDue(to: fixture.clock.now, limit: 10, node.transitions)
        let app = Application(router: node.peerServer.router)
        try await app.test(.live) { client in
            let active = try await get(client, path(link))
            #expect(active.html.contains(#"<body class="active">"#) && active.html.contains(#"id="countdown""#))
            #expect(active.html.contains("(in 10 min)"))
            #expect(!active.html.contains(#"http-equiv="refresh""#), "the page with the form refreshes only with its script")
            #expect(active.html.contains("prefers-color-scheme: dark"))
            let ok = try #require(active.html.range(of: #"id="ok""#)), help = try #require(active.html.range(of: #"id="help""#))
            let home = try #require(active.html.range(of: #"id="home""#))
            #expect(ok.lowerBound < help.lowerBound && help.lowerBound < home.lowerBound, "I'm home apart, after Help")
            fixture.clock.advance(by: 630)
            _ = try node.store.advanceDue(to: fixture.clock.now, limit: 10, node.transitions)
            let grace = try await get(client, path(link))
            #expect(grace.html.contains(#"<body class="grace">"#))
            #expect(grace.html.contains("Check in now: your check-in is overdue, and your contacts are alerted at"))
            #expect(grace.html.contains("Contacts alerted at") && grace.html.contains("(in 1 min)"))
            fixture.clock.advance(by: 120)
            _ = try node.store.advanceDue(to: fixture.clock.now, limit: 10, node.transitions)
            _ = try node.courier.noticeFanOut(at: fixture.clock.now).run(limit: 10, now: fixture.clock.now)
            let alerted = try await get(client, path(link))
            #expect(alerted.html.contains(#"<body class="alerted">"#) && alerted.html.contains("Your contacts have been alerted."))
            #expect(alerted.html.contains("<li>Anne: on its way (queued)</li>"), "\(alerted.html)")
            let result = try await submit(client, path(link), ["nonce": try #require(alerted.nonce), "action": "help"])
            #expect(result.html.contains(#"<meta http-equiv="refresh" content="30">"#), "the result view refreshes itself")
            let missing = try await get(client, "/c/nothing")
            #expect(missing.status == .notFound && missing.html.contains("<h1>Not found</h1>") && missing.html.contains("112"))
        }
    }

    func alertRevision(_ planID: String) -> Int? {
        try? node.store.writer.read { db in try Int.fetchOne(db, sql: "SELECT revision FROM alert WHERE plan_id = ?", arguments: [planID]) }
    }

    @Test("a POST redirects to a result view: reloading it or resubmitting the form does nothing more")
    func actsOnce() async throws {
        try fixture.addContact("Anne")
        let plan = try fixture.plans.arm(ArmRequest(match: "Kiwi", place: "Cafe", every: "10m", length: "1h", also: true, noContacts: true))
        let link = try fixture.plans.link(plan.plan)
        let app = Application(router: node.peerServer.router)
        try await app.test(.live) { client in
            let nonce = try #require(try await get(client, path(link)).nonce)
            let form = ["nonce": nonce, "pin": "1234", "action": "check-in"]
            let answer = try await post(client, path(link), form)
            let location = try #require(answer.headers[.location])
            let checkIns = { try fixture.plans.log(plan.plan).events.filter { $0.kind == "check-in" }.count }
            #expect(try checkIns() == 1)
            // Reloading the result view, as a browser does, shows the outcome and changes nothing.
            for _ in 0..<3 {
                let view = try await get(client, "/c/" + location)
                #expect(view.html.contains("Checked in at"))
            }
            // "Resubmit", or someone replaying the form from the phone's history: refused, nothing done.
            let again = try await submit(client, path(link), form)
            #expect(again.html.contains("already sent"))
            #expect(try checkIns() == 1)
            // Help twice from the same page, as from a page restored from the history: both go out, as one
            // incident updated once.
            let help = ["nonce": try #require(again.nonce), "action": "help"]
            #expect(try await submit(client, path(link), help).html.contains("Help is called"))
            #expect(try await submit(client, path(link), help).html.contains("Help is called"))
            // A result that was not sealed for this link shows no outcome.
            let forged = try await get(client, path(link) + "?r=AAAAAAAA")
            #expect(forged.status == .ok && !forged.html.contains("id=\"message\""))
        }
        #expect(try fixture.plans.status(plan.plan).alerts.map(\.reason) == ["panic"])
        let revision = try await node.store.writer.read { db in try Int.fetchOne(db, sql: "SELECT revision FROM alert") }
        #expect(revision == 1)
    }

    @Test("when the store cannot answer, the page says nothing was done and offers no form")
    func unavailable() {
        #expect(CheckInPage.unavailable.contains("nothing was done"))
        #expect(!CheckInPage.unavailable.contains("<form"))
        #expect(CheckInPage.unavailable.hasPrefix("<!doctype html>"))
    }
}
