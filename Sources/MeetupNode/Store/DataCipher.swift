import Foundation
import MeetupCrypto

/// Seals sensitive column values (match details, places, coordinates, photos, received alerts) with
/// XChaCha20-Poly1305 under the node's data key before they reach SQLite, so that neither the database
/// file nor its WAL ever holds them in clear.
///
/// Each value is bound to its place (`SealedColumn`: table, column, row key) through the associated data,
/// so a ciphertext copied into another row or column fails to open. Plaintexts are padded to a multiple
/// of `paddingBlock` bytes (ISO/IEC 7816-4) so that a ciphertext's length says little about its content.
public struct DataCipher: Sendable {
    public static let paddingBlock = 64
    static let domain = "meetup/v1/at-rest"

    private let key: SymmetricKey

    public init(key: SymmetricKey) {
        self.key = key
    }

    public func seal(_ plaintext: Data, for column: SealedColumn) -> Data {
        var padded = plaintext
        padded.append(0x80)
        let remainder = padded.count % Self.paddingBlock
        if remainder != 0 { padded.append(Data(count: Self.paddingBlock - remainder)) }
        return key.seal(padded, associatedData: column.associatedData)
    }

    public func open(_ sealed: Data, for column: SealedColumn) throws(StoreError) -> Data {
        let damaged = StoreError.sealedValueDamaged(table: column.table, column: column.column)
        let padded: Data
        do { padded = try key.open(sealed, associatedData: column.associatedData) } catch { throw damaged }
        guard let marker = padded.lastIndex(where: { $0 != 0 }), padded[marker] == 0x80 else { throw damaged }
        return padded.prefix(upTo: marker)
    }

    /// Seals a Codable value as JSON. Throws for values JSON cannot hold (a non-finite number).
    public func seal<Value: Encodable>(_ value: Value, for column: SealedColumn) throws(StoreError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do { return seal(try encoder.encode(value), for: column) } catch {
            throw .unencodable(table: column.table, column: column.column)
        }
    }

    public func open<Value: Decodable>(_ type: Value.Type, from sealed: Data, for column: SealedColumn) throws(StoreError) -> Value {
        let plaintext = try open(sealed, for: column)
        do { return try JSONDecoder().decode(type, from: plaintext) } catch {
            throw .sealedValueDamaged(table: column.table, column: column.column)
        }
    }
}

/// Where a sealed value lives; authenticated with it, so it cannot be moved to another row or column.
public struct SealedColumn: Sendable, Equatable {
    public let table: String
    public let column: String
    public let rowKey: String

    public init(table: String, column: String, rowKey: String) {
        self.table = table
        self.column = column
        self.rowKey = rowKey
    }

    var associatedData: Data {
        Data([DataCipher.domain, table, column, rowKey].joined(separator: "\u{0}").utf8)
    }
}
