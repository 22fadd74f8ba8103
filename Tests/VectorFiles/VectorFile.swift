import Foundation

/// A test-vector file, shared by the test targets that keep vectors in a `Vectors` folder beside them: `key: value` lines, one scenario per file, `expect:` saying what must happen.
public struct VectorFile: Sendable, CustomStringConvertible {
    public let name: String
    public let fields: [String: String]

    public var description: String { name }

    public var expect: String { fields["expect"] ?? "" }

    public func hex(_ key: String) throws -> Data {
        guard let text = fields[key] else { throw VectorFileError.missingField(name, key) }
        return try Data(hex: text)
    }

    /// Every `.txt` file in `Vectors/<folder>`, sorted by name.
    public static func all(in folder: String, file: StaticString = #filePath) throws -> [VectorFile] {
        let directory = URL(fileURLWithPath: "\(file)").deletingLastPathComponent()
            .appendingPathComponent("Vectors").appendingPathComponent(folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".txt") }.sorted()
        return try names.map { name in
            let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return VectorFile(name: name, fields: fields)
        }
    }
}

public enum VectorFileError: Error {
    case missingField(String, String)
    case badHex(String)
}

extension Data {
    public init(hex: String) throws {
        var bytes = [UInt8]()
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next() {
            guard let low = iterator.next(), let h = Self.nibble(high), let l = Self.nibble(low) else {
                throw VectorFileError.badHex(hex)
            }
            bytes.append(h << 4 | l)
        }
        self.init(bytes)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    public var hex: String { map { String(format: "%02x", $0) }.joined() }
}
