import CheckInCore
import Foundation
import Logging
import MeetupControl
import MeetupCrypto
import MeetupProtocol

/// `POST /v1/owntracks` on the peer listener: the OwnTracks app in HTTP mode, with HTTP Basic credentials
/// from `meetupctl owntracks setup`. Locations join the trail of every started plan; region transitions
/// their history. Neither is ever a check-in: a phone in an ambusher's pocket still moves.
struct OwnTracksReceiver: Sendable {
    let store: Store
    let clock: any WallClock
    /// Where the app is told to post.
    let address: NodeAddress
    let plans: PlanService
    /// Bad credentials, per caller address: 10 a minute, then 429 until the minute ends.
    let failures: FailureLimiter
    let logger: Logger

    static let username = "meetup"
    /// The path the app posts to, on the advertised endpoint.
    static let path = "/v1/owntracks"
    /// One report is a few hundred bytes.
    static let bodyLimit = 64 << 10

    enum Outcome: Equatable {
        case accepted
        case unauthorized
        /// Too many bad credentials from this address: seconds to wait.
        case limited(retryAfter: Int)
        case refused(OwnTracksError)
        case unavailable
    }

    /// The settings the app needs, as fields and as one link: those in force, or new ones with `rotate` (or
    /// when there are none), after which the phone must be set up again. Settings made before they were kept
    /// can only be rotated.
    func setUp(rotate: Bool = false) throws(ControlError) -> OwnTracksSetup {
        guard let url = address.url(path: Self.path) else {
            throw .internalError(reason: "the node has no usable endpoint for OwnTracks (see --advertise)")
        }
        let current: OwnTracksSettings?
        do { current = try store.ownTracksSettings() } catch { throw .internalError(reason: "the settings could not be read") }
        var password = current?.password
        var key = current?.encryptionKey
        let rotated = rotate || password == nil || key == nil
        if rotated {
            if current != nil, !rotate {
                throw .invalidArgument("owntracks setup: these settings were made before they were kept; make new ones with --rotate")
            }
            password = RandomID.make()
            key = RandomID.make()
            do {
                try store.saveOwnTracksSettings(username: Self.username, password: password!, encryptionKey: key!, at: clock.now)
            } catch {
                throw .internalError(reason: "the credentials could not be stored")
            }
            logger.info("owntracks credentials set")
        }
        let (finalPassword, finalKey) = (password ?? "", key ?? "")
        return OwnTracksSetup(
            url: url, username: Self.username, password: finalPassword, encryptionKey: finalKey,
            configURL: Self.configURL(url: url, username: Self.username, password: finalPassword, encryptionKey: finalKey),
            rotated: rotated, lastReportAt: current?.lastReportAt, lastBattery: current?.lastBattery,
            warning: PlanService.phoneWarning(url))
    }

    /// `owntracks:///config?inline=` and the base64 of a `_type: configuration` object: HTTP mode (3), the
    /// URL, the credentials, the payload encryption key, and `move` monitoring (2), which reports as the
    /// phone moves (owntracks.org/booklet/features/remoteconfig).
    static func configURL(url: String, username: String, password: String, encryptionKey: String) -> String {
        let configuration = OwnTracksConfiguration(url: url, username: username, password: password, encryptionKey: encryptionKey)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(configuration)) ?? Data()
        return "owntracks:///config?inline=" + json.base64EncodedString()
    }

    func receive(body: Data, authorization: String?, from address: String) -> Outcome {
        let now = clock.now
        if let wait = failures.retryAfter(address, now: now) { return .limited(retryAfter: Int(wait.rounded(.up))) }
        let stored: OwnTracksSettings?
        do { stored = try store.ownTracksSettings() } catch { return .unavailable }
        guard let stored, Self.authorized(authorization, (stored.username, stored.passwordHash)) else {
            failures.fail(address, now: now)
            logger.notice("owntracks credentials refused")
            return .unauthorized
        }
        var report: OwnTracksReport
        do { report = try OwnTracksReport.parse(body, now: now) } catch { return .refused(error) }
        if case let .encrypted(data) = report {
            // The app's payload encryption: opened with the key the setup gave it, then read as if sent plain.
            guard let key = stored.encryptionKey, let opened = try? SecretBox.open(data, key: Self.secretBoxKey(key)) else {
                return .refused(OwnTracksError(field: "data", problem: "does not open with this node's encryption key (set the app up again)"))
            }
            do { report = try OwnTracksReport.parse(opened, now: now) } catch { return .refused(error) }
            if case .encrypted = report { return .refused(OwnTracksError(field: "_type", problem: "encrypted twice")) }
        }
        do {
            switch report {
            case let .location(fix):
                try plans.phoneReport(.location(fix))
                try? store.noteOwnTracksReport(at: now, battery: fix.battery)
            case let .transition(transition):
                try plans.phoneReport(.region(transition))
                try? store.noteOwnTracksReport(at: now, battery: transition.fix.battery)
            case .ignored, .encrypted: break
            }
        } catch {
            return .unavailable
        }
        return .accepted
    }

    /// The app's key: the passphrase's first 32 bytes, padded with zeros, as the booklet says the apps do.
    static func secretBoxKey(_ passphrase: String) -> Data {
        var key = Data(passphrase.utf8.prefix(SecretBox.keyByteCount))
        key.append(Data(count: SecretBox.keyByteCount - key.count))
        return key
    }

    /// `Basic base64(user:password)`, checked against the stored hash in constant time.
    private static func authorized(_ header: String?, _ stored: (username: String, passwordHash: Data)) -> Bool {
        guard let header, header.count < 512,
              header.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: decoded, encoding: .utf8),
              let colon = text.firstIndex(of: ":")
        else { return false }
        let username = String(text[..<colon])
        let password = String(text[text.index(after: colon)...])
        let passwordMatches = constantTimeEqual(blake2b(Data(password.utf8)), stored.passwordHash)
        return passwordMatches && username == stored.username
    }
}

/// The app's `_type: configuration` object: HTTP mode is mode 3, `move` monitoring is 2.
private struct OwnTracksConfiguration: Encodable {
    let type = "configuration"
    let mode = 3
    let monitoring = 2
    let url: String
    let auth = true
    let username: String
    let password: String
    let encryptionKey: String

    enum CodingKeys: String, CodingKey {
        case type = "_type"
        case mode, monitoring, url, auth, username, password, encryptionKey
    }
}
