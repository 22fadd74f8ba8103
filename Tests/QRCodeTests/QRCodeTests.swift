@testable import MeetupQR
import Testing

@Suite("QRCode")
struct QRCodeTests {
    /// The module rows, "1" for dark.
    static func rows(_ code: QRCode) -> [String] {
        (0..<code.size).map { y in String((0..<code.size).map { x in code.isDark(x: x, y: y) ? "1" : "0" }) }
    }

    /// Rows from hex digits holding the modules row by row, "1" for dark, zero-padded to a whole digit.
    static func rows(hex: String, size: Int) -> [String] {
        let bits = hex.flatMap { character in
            let nibble = character.hexDigitValue ?? 0
            return (0..<4).map { nibble >> (3 - $0) & 1 == 1 ? "1" : "0" }
        }
        return (0..<size).map { String(bits[($0 * size)..<($0 * size + size)].joined()) }
    }

    @Test("matrices equal those of reference encoders (segno, Nayuki's qrcodegen) at the same version and mask")
    func referenceMatrices() throws {
        let cases: [(text: String, correction: QRCode.Correction, version: Int, mask: Int, rows: [String])] = [
            ("HELLO", .medium, 1, 0, Vectors.hello),
            ("Hello, world!!", .medium, 1, 5, Vectors.helloWorld),  // 14 bytes: fills 1-M, no pad codeword
            ("http://192.168.1.20:7744/c/ABCDEFGHIJKLMNOPQRSTUVWXYZ", .low, 3, 2, Vectors.url53),
            ("http://192.168.1.20:7744/c/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", .high, 7, 1, Vectors.url59h),
        ]
        for c in cases {
            let code = try QRCode(bytes: Array(c.text.utf8), correction: c.correction, mask: c.mask)
            #expect(code.version == c.version, "\(c.text)")
            #expect(code.size == c.rows.count, "\(c.text)")
            #expect(Self.rows(code) == c.rows, "\(c.text)")
        }
    }

    @Test("each of the eight masks gives the reference encoders' matrix")
    func everyMask() throws {
        // "HELLO" at level Q, version 1, masks 0–7: the 441 modules row by row, "1" dark, in hex.
        let masks = [
            "fec3fc16506ea0bb75a5dbaa2ec13907faafe019006b42f8acd0a8aa3f41342c642a00569bfabcf040b0badf3dd319aeba2b05c52fe2b38",
            "fe13fc10d06e94bb7505dba72ec15107faafe01300621342067a3dff6beb9e89317f007c33f9e9b04a1aba0a6dd1b32eaf7f056f8fe7e68",
            "fea3fc12906e98bb7495dbac2ec17507faafe00a007f218e84332692dccb0ccfea128058a3fb32d0533ebabcb5d7fa2ea2c905fdcfe48b0",
            "fe23fc14506ea2bb7495dba1aec10107faafe0010076483684330ba40779d7afea12807517f88410533eba67ddd497aea2c9054b1fe2500",
            "fe63fc10906eb6bb74e5dba82ec15507faafe00d004ae5a50a0bc59ce5d37d08f663007b2ff9d1504422bafbadd1c2ee8cf1058c0fe0fa8",
            "fe93fc14906e98bb7455dba42ec11507faafe0020043a41f432f6692dceb8ec9317f007823fb32d04f4fba3cb5d1f22e8f7f057fcfe48b0",
            "fe13fc14906e90bb7555dbad2ec10d07faafe012005e86d7432f6fb64ef3ef49317f007b2ff9a0905f4fbaaefdd4742e8f7f0573ffe6c20",
            "fec3fc13506ea4bb75a5dba02ec17107faafe01d0057d768acd0bae31b0810bc642a0044d3faf5d050b0ba7badd78bee9a2b058c0fe3970",
        ]
        for (mask, hex) in masks.enumerated() {
            let code = try QRCode(bytes: Array("HELLO".utf8), correction: .quartile, mask: mask)
            #expect(code.version == 1)
            #expect(Self.rows(code) == Self.rows(hex: hex, size: 21), "mask \(mask)")
        }
    }

    @Test("alignment pattern centres as tabulated in the standard (Annex E)")
    func alignmentCentres() {
        #expect(QRCode.alignmentCentres(version: 1) == [])
        #expect(QRCode.alignmentCentres(version: 2) == [6, 18])
        #expect(QRCode.alignmentCentres(version: 7) == [6, 22, 38])
        #expect(QRCode.alignmentCentres(version: 14) == [6, 26, 46, 66])
        #expect(QRCode.alignmentCentres(version: 15) == [6, 26, 48, 70])
        #expect(QRCode.alignmentCentres(version: 22) == [6, 26, 50, 74, 98])
        #expect(QRCode.alignmentCentres(version: 32) == [6, 34, 60, 86, 112, 138])
        #expect(QRCode.alignmentCentres(version: 36) == [6, 24, 50, 76, 102, 128, 154])
        #expect(QRCode.alignmentCentres(version: 39) == [6, 26, 54, 82, 110, 138, 166])
        #expect(QRCode.alignmentCentres(version: 40) == [6, 30, 58, 86, 114, 142, 170])
    }

    @Test("a version-10 code (16-bit count field, four blocks) equals the reference encoders' matrix")
    func version10() throws {
        let text = String(String(repeating: "0123456789abcdefghijklmnopqrstuvwxyz", count: 7).prefix(250))
        let code = try QRCode(bytes: Array(text.utf8), correction: .low, mask: 6)
        #expect(code.version == 10)
        #expect(Self.rows(code) == Self.rows(hex: Vectors.version10L250, size: 57))
    }

    @Test("penalty scores as segno's evaluation (ISO/IEC 18004 7.8.3) gives them for the same matrices")
    func penalty() throws {
        let light = [Bool](repeating: false, count: 21 * 21)
        #expect(QRCode.penalty(light, size: 21) == 798 + 1200 + 0 + 100)
        let checkerboard = (0..<(21 * 21)).map { ($0 / 21 + $0 % 21) % 2 == 1 }
        #expect(QRCode.penalty(checkerboard, size: 21) == 0)
        var finderLike = light
        for (i, dark) in [true, false, true, true, true, false, true].enumerated() {
            finderLike[10 * 21 + 7 + i] = dark  // row 10, columns 7–13
        }
        #expect(QRCode.penalty(finderLike, size: 21) == 774 + 1152 + 40 + 90)
        // "HELLO" at level Q, masks 0 and 7, and the URL at level M with the mask chosen (2).
        func modules(_ code: QRCode) -> [Bool] { Self.rows(code).flatMap { $0.map { $0 == "1" } } }
        let hello0 = try QRCode(bytes: Array("HELLO".utf8), correction: .quartile, mask: 0)
        #expect(QRCode.penalty(modules(hello0), size: 21) == 180 + 99 + 760 + 0)
        let hello7 = try QRCode(bytes: Array("HELLO".utf8), correction: .quartile, mask: 7)
        #expect(QRCode.penalty(modules(hello7), size: 21) == 164 + 114 + 800 + 0)
        let url = try QRCode("http://192.168.1.20:7744/c/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        #expect(url.mask == 2)
        #expect(QRCode.penalty(modules(url), size: 33) == 342 + 336 + 720 + 0)
    }

    @Test("the chosen mask is one of the eight, and the code equals the one forced to it")
    func maskChoice() throws {
        let text = "http://192.168.1.20:7744/c/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        let code = try QRCode(text)
        #expect(code.correction == .medium)
        #expect(code.version == 4)
        #expect((0..<8).contains(code.mask))
        #expect(code == (try QRCode(bytes: Array(text.utf8), correction: .medium, mask: code.mask)))
        let all = try (0..<8).map { try QRCode(bytes: Array(text.utf8), correction: .medium, mask: $0) }
        #expect(Set(all.map(Self.rows)).count == 8)
    }

    @Test("the smallest version that holds the bytes, at the byte-mode capacities of the standard's table")
    func versionBoundaries() throws {
        // Bytes each version holds in byte mode (ISO/IEC 18004 Table 7), versions 1–40, per level.
        let capacities: [QRCode.Correction: [Int]] = [
            .low: Capacities.low, .medium: Capacities.medium, .quartile: Capacities.quartile, .high: Capacities.high,
        ]
        for (correction, table) in capacities {
            #expect((1...40).map { QRCode.capacity(version: $0, correction: correction) } == table, "\(correction)")
            // Whole codes at a few boundaries: where version information starts (6 → 7) and where the
            // count field widens (9 → 10).
            for version in [1, 2, 6, 7, 9, 10, 26] {
                let capacity = table[version - 1]
                let full = [UInt8](repeating: 0x61, count: capacity)
                #expect(try QRCode(bytes: full, correction: correction).version == version)
                #expect(try QRCode(bytes: full + [0x61], correction: correction).version == version + 1)
            }
        }
        #expect(try QRCode(String(repeating: "a", count: 14)).version == 1)
        #expect(try QRCode(String(repeating: "a", count: 15)).version == 2)
        #expect(try QRCode("").version == 1)
        #expect(try QRCode(bytes: [UInt8](repeating: 0x61, count: 1273), correction: .high).version == 40)
    }

    @Test("too many bytes throw tooLong with the byte count")
    func tooLong() {
        #expect(throws: QRCode.Error.tooLong(bytes: 2954)) {
            try QRCode(bytes: [UInt8](repeating: 0, count: 2954), correction: .low)
        }
        #expect(throws: QRCode.Error.tooLong(bytes: 1274)) {
            try QRCode(String(repeating: "x", count: 1274), correction: .high)
        }
        // UTF-8 counts bytes, not characters: 778 × "é" is 1,556 bytes, more than 40-H holds.
        #expect(throws: QRCode.Error.tooLong(bytes: 1556)) {
            try QRCode(String(repeating: "é", count: 778), correction: .high)
        }
        #expect(QRCode.Error.tooLong(bytes: 3000).description.contains("3000"))
    }

    @Test("text is encoded as its UTF-8 bytes")
    func utf8() throws {
        #expect(try QRCode("Zoë ☕") == (try QRCode(bytes: [0x5A, 0x6F, 0xC3, 0xAB, 0x20, 0xE2, 0x98, 0x95])))
    }

    @Test("format information: BCH(15,5) of level and mask, XOR 0x5412, as tabulated in the standard")
    func formatBits() {
        // Annex C, by level then mask 0–7.
        let table: [(QRCode.Correction, [Int])] = [
            (.medium, [0x5412, 0x5125, 0x5E7C, 0x5B4B, 0x45F9, 0x40CE, 0x4F97, 0x4AA0]),
            (.low, [0x77C4, 0x72F3, 0x7DAA, 0x789D, 0x662F, 0x6318, 0x6C41, 0x6976]),
            (.high, [0x1689, 0x13BE, 0x1CE7, 0x19D0, 0x0762, 0x0255, 0x0D0C, 0x083B]),
            (.quartile, [0x355F, 0x3068, 0x3F31, 0x3A06, 0x24B4, 0x2183, 0x2EDA, 0x2BED]),
        ]
        for (correction, values) in table {
            for mask in 0..<8 {
                #expect(QRCode.formatBits(correction: correction, mask: mask) == values[mask], "\(correction) \(mask)")
            }
        }
    }

    @Test("version information: BCH(18,6), as tabulated in the standard")
    func versionBits() {
        #expect(QRCode.versionBits(7) == 0x07C94)
        #expect(QRCode.versionBits(8) == 0x085BC)
        #expect(QRCode.versionBits(21) == 0x15683)
        #expect(QRCode.versionBits(32) == 0x209D5)
        #expect(QRCode.versionBits(40) == 0x28C69)
    }

    @Test("terminal text: two module rows per line, quiet zone included, inverted by default")
    func terminalText() throws {
        let code = try QRCode("HELLO")  // 21 × 21
        let lines = code.terminalText().split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 13)  // (21 + 2 × 2 + 1) / 2
        #expect(lines.allSatisfy { $0.count == 25 })
        #expect(lines[0] == Substring(String(repeating: "█", count: 25)))  // quiet zone: light, drawn inverted
        #expect(code.terminalText(quietZone: 4, inverted: false).split(separator: "\n").count == 15)
        #expect(code.terminalText(quietZone: 0, inverted: false).hasPrefix("█▀▀▀▀▀█"))  // the finder's top

        // Reading the half blocks back gives the modules, inverted or not.
        for inverted in [true, false] {
            let rows = code.terminalText(quietZone: 1, inverted: inverted).split(separator: "\n")
            for (line, text) in rows.enumerated() {
                for (column, character) in text.enumerated() {
                    let top = "█▀".contains(character), bottom = "█▄".contains(character)
                    let (x, y) = (column - 1, line * 2 - 1)
                    #expect((top != inverted) == code.isDark(x: x, y: y), "\(x),\(y)")
                    if y + 1 <= code.size {  // the last line's lower half is past the quiet zone
                        #expect((bottom != inverted) == code.isDark(x: x, y: y + 1), "\(x),\(y + 1)")
                    }
                }
            }
        }
    }

    @Test("outside the symbol is light")
    func outside() throws {
        let code = try QRCode("HELLO")
        #expect(code.isDark(x: 0, y: 0))
        #expect(!code.isDark(x: -1, y: 0))
        #expect(!code.isDark(x: 0, y: code.size))
    }
}

/// Byte-mode capacities per version 1–40.
private enum Capacities {
    static let low = [
        17, 32, 53, 78, 106, 134, 154, 192, 230, 271,
        321, 367, 425, 458, 520, 586, 644, 718, 792, 858,
        929, 1003, 1091, 1171, 1273, 1367, 1465, 1528, 1628, 1732,
        1840, 1952, 2068, 2188, 2303, 2431, 2563, 2699, 2809, 2953,
    ]
    static let medium = [
        14, 26, 42, 62, 84, 106, 122, 152, 180, 213,
        251, 287, 331, 362, 412, 450, 504, 560, 624, 666,
        711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370,
        1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331,
    ]
    static let quartile = [
        11, 20, 32, 46, 60, 74, 86, 108, 130, 151,
        177, 203, 241, 258, 292, 322, 364, 394, 442, 482,
        509, 565, 611, 661, 715, 751, 805, 868, 908, 982,
        1030, 1112, 1168, 1228, 1283, 1351, 1423, 1499, 1579, 1663,
    ]
    static let high = [
        7, 14, 24, 34, 44, 58, 64, 84, 98, 119,
        137, 155, 177, 194, 220, 250, 280, 310, 338, 382,
        403, 439, 461, 511, 535, 593, 625, 658, 698, 742,
        790, 842, 898, 958, 983, 1051, 1093, 1139, 1219, 1273,
    ]
}

/// Module rows ("1" dark) made by segno 1.6.6 and by Nayuki's qrcodegen 1.8.0 with the same data, level,
/// version and mask; both gave the same matrix. segno pads a byte-mode stream that ends on a codeword
/// boundary with an extra zero byte (its issue #148); the vectors that do not fill their symbol come from
/// segno with that fixed, the others (`helloWorld`, `url53`) from segno as released.
private enum Vectors {
    static let hello = [
        "111111100111001111111",
        "100000101011001000001",
        "101110100010001011101",
        "101110100011001011101",
        "101110101010101011101",
        "100000100110101000001",
        "111111101010101111111",
        "000000000101100000000",
        "101010100101000010010",
        "101010000110001000010",
        "000001100110100011111",
        "101011010110001000010",
        "011001110110101010100",
        "000000001011010100110",
        "111111100001011100111",
        "100000100011110110000",
        "101110101011011100111",
        "101110100100001100110",
        "101110101010100010101",
        "100000100110001010010",
        "111111101010101100111",
    ]
    static let helloWorld = [
        "111111100100101111111",
        "100000101100101000001",
        "101110101001101011101",
        "101110101110001011101",
        "101110100100101011101",
        "100000100100101000001",
        "111111101010101111111",
        "000000001011100000000",
        "100000101000111001110",
        "011000000010011101100",
        "110000111010111001110",
        "011110001011110001100",
        "111010100001110111010",
        "000000001010011011000",
        "111111100110111100110",
        "100000100110111011100",
        "101110100111111010011",
        "101110100000000011000",
        "101110100010110111111",
        "100000100110110111100",
        "111111101111001010010",
    ]
    static let url53 = [
        "11111110001001011001001111111",
        "10000010110001011000101000001",
        "10111010010100010011101011101",
        "10111010111000100110101011101",
        "10111010001001011001001011101",
        "10000010110011010000101000001",
        "11111110101010101010101111111",
        "00000000011100110011100000000",
        "11111011111000100110110101010",
        "11101001101001011111001010001",
        "00111011100000111100000110000",
        "01010101010000001001011010010",
        "00000110110000110101110101100",
        "01010001110001011011001010101",
        "01000010010010110110011000100",
        "11001001000000101000010100010",
        "10101110101000110110110000100",
        "10001100010001011111011011101",
        "10010010010001111100001001100",
        "10010001100110011001011010010",
        "10001110000000110000111110111",
        "00000000100001011011100011111",
        "11111110111011110011101011100",
        "10000010001110111000100010000",
        "10111010101000110000111111100",
        "10111010110000111010110100001",
        "10111010110000011111101011010",
        "10000010101010000010110110010",
        "11111110100000110000000001100",
    ]
    static let url59h = [
        "111111100100011000010101011101110000101111111",
        "100000101111011011111110110101111001001000001",
        "101110101100110010011001111110111101001011101",
        "101110101011011100110111110010011001101011101",
        "101110101010111110001111100101110011101011101",
        "100000101100010110111000110100111100001000001",
        "111111101010101010101010101010101010101111111",
        "000000000111011111011000111000110111000000000",
        "001001111101011000011111110111001000110111110",
        "111001011010001010010001010111001001000110100",
        "110111110111000111011101000011101001000110101",
        "100100010011101100110011101001000010000101000",
        "100001101000100101010011011100001101111010100",
        "001010000001110111110111101111010001000110101",
        "110101111101101100000000000110110000100001111",
        "010000010111100111111000101110011101011001011",
        "001010101000100101110010000010111100010010011",
        "001110000100100111010000011110000100000010111",
        "000100101001010001100110000110101111100111111",
        "111100010001101111000111011111101000000010001",
        "110011111010100000101111111011011001111111001",
        "010110001101111001111000110111101101100011101",
        "010010101111110010011010100111111011101010001",
        "001110001010011100111000101111010100100011011",
        "010011111000011001101111111101011000111111110",
        "110001000000110000010111111010010001111001110",
        "111111100011000110000111000110111110001010101",
        "101100011011011010100010011011110001000001000",
        "100111111001110010110010110001001011011001110",
        "100101000101001100111010010100010000100100100",
        "101100111000101011010000111011101001001111001",
        "011010000000011001010011001111100100110100011",
        "010000100000000110010010111110001001001000010",
        "000011001000101110100001000110100000000001001",
        "000010110011010110010010110111010001111101101",
        "011110000011011111101101001100111100111001011",
        "100110100000101111001111111111111001111110000",
        "000000001101000110011000101110111100100011111",
        "111111101101101100011010101010001111101011011",
        "100000101001011010001000110111111101100010010",
        "101110100110111011001111100001111111111110011",
        "101110100111100111001111011111010101101000011",
        "101110101010100111001011001001110011110010111",
        "100000100011100101111000001101000110100011000",
        "111111100011000111111101111000000101110001101",
    ]
    /// 250 bytes at level L, version 10, mask 6, as hex (see `QRCodeTests.rows(hex:size:)`).
    static let version10L250 = [
        "fea0ccf2b23b3fc10cccc6b644906e90eae1a407cbb74ddfd9d3bf25dba14ce3e16a92ec1311bb105a7107faaaaaaaaaaafe",
        "01c3764445c500da497f3e1c9520fc98ce4bf39d5d8f92e52c3c46d5eb2a88d2fe0b56f0be7171c8ebd78307196dfed7edb3",
        "b80d2f304a76b0c1d6f06668cdeca32ea141aa3a60da35e843361d67fbd851fa47562230218e7f0e9607e8abaf3a91ce16c1",
        "0c1484dff395980d7082e2a36b1b28b97b27a877257e4f367cea9e5964438767ed5c7183f12e3fd1f07f9b148d3c60425149",
        "a9be22bce4aa90c50d9f1fedfc6e7fa24efe0337fbe2571cc8a1e60d3b247a62788665262cccc6b7f177b8d1911eee729df0",
        "0dd9b7344dcf60f51abe3eacfa0a413cda9e5b86909a55902c78041bfa9a16ba8c279de667a44f8869e8d4bdeaeffefdff73",
        "b0e39795665d349c539d84d0b254bd55f463ed6c4bc36df463b7324a9f84790ad17ceff31e2513cc51c402d4333eac8bf980",
        "4ea5d1a936473f8ee09a85c52b904698546604d1dba8828be8818f9dd6d6cf972591b2e932d3fc71237705fc89aec502fffe",
        "c17b4c5af5bc0",
    ].joined()
}
