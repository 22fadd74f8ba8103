import CSodium
import Foundation

/// libsodium's `crypto_secretbox` (XSalsa20-Poly1305) with the nonce in front, `nonce || ciphertext`: the
/// format the OwnTracks apps use for their payload encryption. Only for reading what such an app sends;
/// this node's own data at rest uses `SymmetricKey`.
public enum SecretBox {
    public static let keyByteCount = Int(crypto_secretbox_keybytes())
    public static let nonceByteCount = Int(crypto_secretbox_noncebytes())
    public static let tagByteCount = Int(crypto_secretbox_macbytes())

    /// Opens `nonce || ciphertext` under `key`; throws when it is too short or does not authenticate.
    public static func open(_ combined: Data, key: Data) throws(CryptoError) -> Data {
        ensureSodium()
        guard key.count == keyByteCount else {
            throw .invalidKeyLength(what: "secretbox key", expected: keyByteCount, got: key.count)
        }
        guard combined.count >= nonceByteCount + tagByteCount else {
            throw .ciphertextTooShort(minimum: nonceByteCount + tagByteCount, got: combined.count)
        }
        let nonce = combined.prefix(nonceByteCount)
        let ciphertext = combined.dropFirst(nonceByteCount)
        let opened = makeData(count: ciphertext.count - tagByteCount) { output in
            withBytes(Data(ciphertext)) { box, boxLength in
                withBytes(Data(nonce)) { npub, _ in
                    withBytes(key) { secret, _ in crypto_secretbox_open_easy(output, box, UInt64(boxLength), npub, secret) }
                }
            }
        }
        guard let opened else { throw .openFailed }
        return opened
    }

    /// Seals `plaintext` under `key` with a fresh nonce: for tests that stand in for the app.
    public static func seal(_ plaintext: Data, key: Data) -> Data {
        ensureSodium()
        precondition(key.count == keyByteCount)
        let nonce = SecureRandom.bytes(count: nonceByteCount)
        let box = makeData(count: plaintext.count + tagByteCount) { output in
            withBytes(plaintext) { message, length in
                withBytes(nonce) { npub, _ in
                    withBytes(key) { secret, _ in crypto_secretbox_easy(output, message, UInt64(length), npub, secret) }
                }
            }
        } ?? Data()
        return nonce + box
    }
}
