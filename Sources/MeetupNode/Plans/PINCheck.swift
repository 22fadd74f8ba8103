import Foundation
import MeetupCrypto

/// Which PIN a user typed. Both hashes are always checked, whichever matches, so that the real PIN and the
/// duress PIN take the same time: Argon2id's cost dominates, and it is paid twice every time.
enum PINMatch: Equatable {
    case real
    case duress
    case neither
}

enum PINCheck {
    static let minimumLength = 4
    static let maximumLength = 64

    static func match(_ pin: String, pinHash: String, duressHash: String) -> PINMatch {
        let real = (try? Argon2id.verify(password: Data(pin.utf8), against: pinHash)) ?? false
        let duress = (try? Argon2id.verify(password: Data(pin.utf8), against: duressHash)) ?? false
        if real { return .real }
        return duress ? .duress : .neither
    }

    /// A new PIN pair: 4 to 64 characters each, and not equal.
    static func validate(pin: String, duress: String) -> String? {
        for (name, value) in [("PIN", pin), ("duress PIN", duress)] {
            if value.count < minimumLength { return "the \(name) must have at least \(minimumLength) characters" }
            if value.count > maximumLength { return "the \(name) must have at most \(maximumLength) characters" }
            if value.contains(where: \.isNewline) { return "the \(name) cannot contain a line break" }
        }
        if pin == duress { return "the PIN and the duress PIN must differ" }
        return nil
    }
}
