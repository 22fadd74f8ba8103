import Foundation

/// A test-vector file: `key: value` lines, one scenario per file, `expect:` saying what must happen.
struct VectorFile {
    let name: String
    let fields: [String: String]

    var expect: String { fields["expect"] ?? "" }

    func hex(_ key: String) throws -> Data {
        guard let text = fields[key] else { throw VectorFileError.missingField(name, key) }
        return try Data(hex: text)
    }

    /// Every `.txt` file in `Vectors/<folder>`, sorted by name.
    static func all(in folder: String, file: StaticString = #filePath) throws -> [VectorFile] {
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

enum VectorFileError: Error {
    case missingField(String, String)
    case badHex(String)
}

extension Data {
    init(hex: String) throws {
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

    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
