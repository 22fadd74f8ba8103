import Foundation
import MeetupProtocol

/// What a POST to the check-in page did, carried in the redirect (`?r=`) to the result view. Sealed under the
/// data key and bound to the link: nobody can make the page claim an outcome, and the URL in the browser's
/// history says nothing. The real and the duress PIN give the same outcome, so the same view.
enum PageOutcome: Codable, Equatable {
    case checkedIn(at: Date)
    case ended
    case helpSent
    case wrongPIN
    case locked(minutes: Int)
    case enterPIN
    case chooseAction
    /// No nonce, another link's, or too old for a PIN action.
    case outOfDate
    /// The nonce had been used: a resubmitted form or a replay.
    case alreadySent
    case notStarted
    case planEnded
    /// Too many PIN checks were waiting; nothing was checked.
    case busy
    /// Help found nobody to alert: the node has no contact.
    case noContacts
    case failed

    func sealed(token: String, cipher: DataCipher) -> String {
        Base64URL.encode((try? cipher.seal(self, for: Self.column(token))) ?? Data())
    }

    /// The outcome a result view names; nil when it does not open with this link (forged, or another link's).
    init?(sealed text: String, token: String, cipher: DataCipher) {
        guard text.count < 1_024, let data = Base64URL.decode(text),
              let outcome = try? cipher.open(PageOutcome.self, from: data, for: Self.column(token))
        else { return nil }
        self = outcome
    }

    private static func column(_ token: String) -> SealedColumn {
        SealedColumn(table: "page", column: "result", rowKey: Store.linkTokenHash(token).base64EncodedString())
    }
}
