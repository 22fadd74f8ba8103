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

    /// A new password; the previous one stops working. What the app needs, as fields and as one link.
    func setUp() throws(ControlError) -> OwnTracksSetup {
        guard let url = address.url(path: Self.path) else {
            throw .internalError(reason: "the node has no usable endpoint for OwnTracks (see --advertise)")
        }
        let password = RandomID.make()
        do {
            try store.saveOwnTracksCredential(username: Self.username, passwordHash: blake2b(Data(password.utf8)), at: clock.now)
        } catch {
            throw .internalError(reason: "the credentials could not be stored")
        }
        logger.info("owntracks credentials set")
        return OwnTracksSetup(
            url: url, username: Self.username, password: password,
            configURL: Self.configURL(url: url, username: Self.username, password: password),
            warning: PlanService.phoneWarning(url))
    }

    /// `owntracks:///config?inline=` and the base64 of a `_type: configuration` object: HTTP mode (3), the
    /// URL and the credentials (owntracks.org/booklet/features/remoteconfig).
    static func configURL(url: String, username: String, password: String) -> String {
        let configuration = OwnTracksConfiguration(url: url, username: username, password: password)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(configuration)) ?? Data()
        return "owntracks:///config?inline=" + json.base64EncodedString()
    }

    func receive(body: Data, authorization: String?, from address: String) -> Outcome {
        let now = clock.now
        if let wait = failures.retryAfter(address, now: now) { return .limited(retryAfter: Int(wait.rounded(.up))) }
        let stored: (username: String, passwordHash: Data)?
        do { stored = try store.ownTracksCredential() } catch { return .unavailable }
        guard let stored, Self.authorized(authorization, stored) else {
            failures.fail(address, now: now)
            logger.notice("owntracks credentials refused")
            return .unauthorized
        }
        let report: OwnTracksReport
        do { report = try OwnTracksReport.parse(body, now: now) } catch { return .refused(error) }
        do {
            switch report {
            case let .location(fix): try plans.phoneReport(.location(fix))
            case let .transition(transition): try plans.phoneReport(.region(transition))
            case .ignored: break
            }
        } catch {
            return .unavailable
        }
        return .accepted
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

/// The app's `_type: configuration` object: HTTP mode is mode 3.
private struct OwnTracksConfiguration: Encodable {
    let type = "configuration"
    let mode = 3
    let url: String
    let auth = true
    let username: String
    let password: String

    enum CodingKeys: String, CodingKey {
        case type = "_type"
        case mode, url, auth, username, password
    }
}
