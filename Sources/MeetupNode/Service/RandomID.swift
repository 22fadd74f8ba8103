import MeetupCrypto
import MeetupProtocol

/// Fresh random identifiers: 16 bytes in Base32, for alerts, received alerts, tokens and escrows.
enum RandomID {
    static func make(bytes: Int = 16) -> String {
        Base32.encode(SecureRandom.bytes(count: bytes))
    }
}
