import CheckInCore
import Foundation
import MeetupControl
import Testing

/// The phone's two ways in, for real: the check-in page in headless Chromium (Debian's `chromium` and
/// `chromium-driver`, driven by selenium; `make deps` installs them), and OwnTracks reports posted over
/// HTTP to a real `meetupd`, set up with the real `meetupctl`.
@Suite("the phone: check-in page in a real browser, OwnTracks", .serialized)
struct PhoneTests {
    static let browserScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Browser/checkin_page.py").path

    @Test("in Chromium at a phone's size: PIN and I'm OK check in; Help without a PIN, with the shared position, alerts the contacts")
    func browser() throws {
        let user = try Daemon.withPINs()
        let anne = try Daemon()
        let bruno = try Daemon()
        try pair(user, as: "Ulysse", with: anne, as: "Anne")
        try pair(user, as: "Ulysse", with: bruno, as: "Bruno")
        let plan = try user.arm(PeerTests.matchArguments + ["--every", "30m", "--for", "2h"])
        let link = try user.json(["link", plan.plan], as: CheckInLink.self)
        #expect(link.url.hasPrefix("http://127.0.0.1:\(try user.port)/c/"))

        // The other states the page shows, for the screenshots docs/ shows: in grace, after the alarm, ended.
        let overdue = try user.arm(PeerTests.matchArguments + ["--every", "2s", "--grace", "10m", "--for", "2h"])
        let overdueLink = try user.json(["link", overdue.plan], as: CheckInLink.self)
        let ended = try user.arm(PeerTests.matchArguments + ["--every", "30m", "--for", "2h"])
        let endedLink = try user.json(["link", ended.plan], as: CheckInLink.self)
        #expect(try user.ctl(["done", ended.plan, "--pin-stdin"], stdin: Daemon.pin + "\n").status == 0)
        _ = try waitFor(10) { try user.plan(overdue.plan).phase == .grace ? true : nil }
        let shots = ["normal", "help-sent", "alerted", "grace", "ended"].map { (name: $0, path: user.home + "/page-\($0).png") }
        let screenshot = shots[0].path
        let result = try run("/usr/bin/env", [
            "python3", Self.browserScript, "--url", link.url, "--pin", Daemon.pin, "--screenshot", screenshot,
            "--lat", "48.8606", "--lon", "2.3376", "--help-screenshot", shots[1].path,
            "--shot", link.url, shots[2].path, "--shot", overdueLink.url, shots[3].path, "--shot", endedLink.url, shots[4].path,
        ])
        try #require(result.status == 0, "the browser test could not run (make deps installs chromium, chromium-driver and selenium): \(result.stderr)")
        let steps = jsonLines(text: result.stdout)
        let open = try #require(steps.first { $0["step"] as? String == "open" })
        #expect(open["title"] as? String == "Check-in")
        #expect(open["width"] as? Int == 390)
        #expect((open["time"] as? String)?.contains("(UTC") == false, "the page's script ran under its CSP: \(open)")
        #expect((steps.first { $0["step"] as? String == "check-in" }?["message"] as? String)?.hasPrefix("Checked in at") == true, "\(steps)")
        #expect(steps.first { $0["step"] as? String == "help" }?["message"] as? String == "Help is called: your contacts are being alerted.")
        #expect((steps.first { $0["step"] as? String == "console" }?["severe"] as? [Any])?.isEmpty == true, "\(steps)")
        let states = steps.filter { $0["step"] as? String == "shot" }.map { $0["state"] as? String ?? "?" }
        #expect(states == ["alerted", "grace", "done"], "\(steps)")
        for shot in shots { #expect(FileManager.default.fileExists(atPath: shot.path), "\(shot.name)") }
        // MEETUP_PAGE_SCREENSHOTS=DIR keeps them, as docs/page/ holds them.
        if let keep = ProcessInfo.processInfo.environment["MEETUP_PAGE_SCREENSHOTS"] {
            for shot in shots {
                let target = keep + "/\(shot.name).png"
                _ = try? FileManager.default.removeItem(atPath: target)
                try FileManager.default.copyItem(atPath: shot.path, toPath: target)
            }
        }

        let status = try user.plan(plan.plan)
        #expect(status.lastCheckIn != nil, "the check-in from the page shows in status")
        #expect(status.phase == .alerted)
        for contact in [anne, bruno] {
            let alert = try #require(try waitFor(10) { try contact.receivedAlerts().first }, "no alert at a contact")
            #expect(alert.reason == "panic")
            #expect(alert.match.pseudonym == "Alexandre")
            #expect(alert.trail.last?.geo == (try? Coordinate(lat: 48.8606, lon: 2.3376)), "the browser's position went with Help")
            #expect(alert.trail.last?.accuracy == 25)
        }
        #expect(try user.json(["link", plan.plan, "--revoke"], as: Done.self) == Done())
        let gone = try run("/usr/bin/env", ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", link.url])
        #expect(gone.stdout == "404")
    }

    @Test("the page acts once: a POST redirects to a result view; reloading it, or replaying the form with curl, checks in no more")
    func pageActsOnce() throws {
        let user = try Daemon.withPINs()
        let anne = try Daemon()
        try pair(user, as: "Ulysse", with: anne, as: "Anne")
        let plan = try user.arm(PeerTests.matchArguments + ["--every", "30m", "--for", "2h"])
        let link = try user.json(["link", plan.plan], as: CheckInLink.self)
        let page = try run("/usr/bin/env", ["curl", "-s", link.url]).stdout
        let nonce = try #require(page.range(of: #"name="nonce" value=""#).map { String(page[$0.upperBound...].prefix { $0 != "\"" }) })
        // `-w` prints the status and where the browser is sent, without following.
        func post(_ form: String) throws -> (code: String, location: String) {
            let result = try run("/usr/bin/env", [
                "curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "--data-raw", form, link.url,
            ])
            let parts = result.stdout.split(separator: " ", maxSplits: 1).map(String.init)
            return (parts.first ?? "", parts.count > 1 ? parts[1] : "")
        }
        let form = "nonce=\(nonce)&pin=\(Daemon.pin)&action=check-in"
        let first = try post(form)
        #expect(first.code == "303")
        #expect(first.location.hasPrefix(link.url + "?r="), "\(first.location)")
        for _ in 0..<3 {
            #expect(try run("/usr/bin/env", ["curl", "-s", first.location]).stdout.contains("Checked in at"))
        }
        let replay = try post(form)
        #expect(replay.code == "303")
        #expect(try run("/usr/bin/env", ["curl", "-s", replay.location]).stdout.contains("already sent"))
        let checkIns = try user.json(["log", plan.plan], as: PlanLog.self).events.filter { $0.kind == "check-in" }
        #expect(checkIns.count == 1, "one check-in for one press")
    }

    @Test("OwnTracks: setup through meetupctl, reports over HTTP, the trail in the contact's alert; 401 without the password")
    func ownTracks() throws {
        let user = try Daemon.withPINs()
        let anne = try Daemon()
        try pair(user, as: "Ulysse", with: anne, as: "Anne")
        let setup = try user.json(["owntracks", "setup"], as: OwnTracksSetup.self)
        #expect(setup.url == "http://127.0.0.1:\(try user.port)/v1/owntracks")
        let plan = try user.arm(PeerTests.matchArguments + ["--every", "30m", "--for", "2h"])
        let now = Int(Date().timeIntervalSince1970)
        func post(_ body: String, password: String) throws -> (code: String, body: String) {
            let result = try run("/usr/bin/env", [
                "curl", "-s", "-w", "\n%{http_code}", "-u", "\(setup.username):\(password)", "-H", "Content-Type: application/json",
                "-H", "X-Limit-U: meetup", "-H", "X-Limit-D: phone", "--data-binary", body, setup.url,
            ])
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
        }
        // Sent late and out of order, as the app does after a tunnel: kept in order of tst.
        for (offset, lat) in [(-60, 48.8570), (-180, 48.8566), (-120, 48.8568)] {
            let report = """
                {"_type":"location","acc":15,"alt":40,"batt":64,"bs":1,"conn":"m","lat":\(lat),"lon":2.3522,"t":"u",\
                "tid":"ph","tst":\(now + offset),"vac":4,"vel":5}
                """
            let answer = try post(report, password: setup.password)
            #expect(answer.code == "200")
            #expect(answer.body == "[]")
        }
        #expect(try post(#"{"_type":"location","lat":1,"lon":2,"tst":1}"#, password: "wrong").code == "401")
        // Reading the settings again keeps the phone's password; the app's encryption, made by PyNaCl's
        // SecretBox with the key padded as the booklet says, opens and lands in the trail.
        let again = try user.json(["owntracks", "setup"], as: OwnTracksSetup.self)
        #expect(again.password == setup.password && again.encryptionKey == setup.encryptionKey && !again.rotated)
        let plain = #"{"_type":"location","acc":9,"batt":61,"lat":48.8572,"lon":2.3522,"tst":\#(now - 30)}"#
        let sealed = try run("/usr/bin/env", ["python3", "-c", """
            import base64, sys, nacl.secret
            key = sys.argv[1].encode()[:32].ljust(32, b"\\0")
            print(base64.b64encode(nacl.secret.SecretBox(key).encrypt(sys.argv[2].encode())).decode())
            """, setup.encryptionKey, plain])
        try #require(sealed.status == 0, "PyNaCl: \(sealed.stderr)")
        let encrypted = #"{"_type":"encrypted","data":"\#(sealed.stdout.trimmingCharacters(in: .whitespacesAndNewlines))"}"#
        #expect(try post(encrypted, password: setup.password).code == "200")
        #expect(try user.plan(plan.plan).lastCheckIn == nil, "locations are not check-ins")
        #expect(try user.ctl(["panic", plan.plan]).status == 0)
        let alert = try #require(try waitFor(10) { try anne.receivedAlerts().first })
        #expect(alert.trail.map(\.geo.lat) == [48.8566, 48.8568, 48.8570, 48.8572], "the encrypted report's point last")
        #expect(alert.trail.last?.battery == 61)
        let shown = try anne.ctl(["alerts", "show", alert.id])
        #expect(alert.mapLink?.contains("mlat=48.8572&mlon=2.3522") == true, "the map link is the last point: \(alert.mapLink ?? "-")")
        #expect(shown.stdout.contains("48.8572,2.3522 at"), "\(shown.stdout)")
        #expect(shown.stdout.contains("battery 61%"), "\(shown.stdout)")
        #expect(shown.stdout.contains("openstreetmap.org/?mlat=48.8572"), "\(shown.stdout)")
        let settings = try user.ctl(["owntracks", "setup"])
        #expect(settings.stdout.contains("last report") && settings.stdout.contains("battery 61%"), "\(settings.stdout)")
        let status = try user.ctl(["status"])
        #expect(status.stdout.contains("owntracks") && status.stdout.contains("battery 61%"), "\(status.stdout)")
    }
}

/// The JSON objects of a process's output, one per line.
func jsonLines(text: String) -> [[String: Any]] {
    text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}
