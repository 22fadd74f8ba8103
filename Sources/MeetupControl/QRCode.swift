/// A QR code (ISO/IEC 18004, model 2) holding bytes in byte mode, built from the standard's algorithm:
/// the smallest version 1–40 that fits, Reed–Solomon error correction over GF(256), block
/// interleaving, every function pattern, and the mask of the lowest penalty score.
///
/// ```swift
/// let code = try QRCode("http://192.168.1.20:7744/c/ABC")
/// print(code.terminalText())
/// ```
public struct QRCode: Sendable, Hashable {
    /// The error-correction level: how much of the symbol may be damaged and still be read
    /// (about 7 %, 15 %, 25 % and 30 %).
    public enum Correction: Int, Sendable, CaseIterable {
        case low, medium, quartile, high

        /// The two bits of the format information: L 01, M 00, Q 11, H 10.
        var formatBits: Int {
            switch self {
            case .low: 1
            case .medium: 0
            case .quartile: 3
            case .high: 2
            }
        }
    }

    /// Why a code could not be made.
    public enum Error: Swift.Error, Equatable, Sendable, CustomStringConvertible {
        /// The bytes do not fit in version 40 at the chosen correction level.
        case tooLong(bytes: Int)

        public var description: String {
            switch self {
            case .tooLong(let bytes): "\(bytes) bytes do not fit in a QR code at this correction level"
            }
        }
    }

    /// The version, 1–40.
    public let version: Int
    /// Modules per side, `17 + 4 × version`.
    public let size: Int
    /// The error-correction level asked for.
    public let correction: Correction
    /// The mask pattern applied, 0–7.
    public let mask: Int
    /// Row-major, `true` for dark.
    private let modules: [Bool]

    /// A code for the UTF-8 bytes of `text`.
    public init(_ text: String, correction: Correction = .medium) throws(Error) {
        try self.init(bytes: Array(text.utf8), correction: correction)
    }

    /// A code for `bytes`, in the smallest version that holds them.
    public init(bytes: [UInt8], correction: Correction = .medium) throws(Error) {
        try self.init(bytes: bytes, correction: correction, mask: nil)
    }

    /// As `init(bytes:correction:)`, with `mask` (0–7) forced instead of chosen by penalty; for tests.
    init(bytes: [UInt8], correction: Correction, mask forcedMask: Int?) throws(Error) {
        guard let version = (1...40).first(where: { Self.capacity(version: $0, correction: correction) >= bytes.count })
        else { throw .tooLong(bytes: bytes.count) }
        var grid = Grid(version: version)
        grid.drawFunctionPatterns()
        grid.placeData(Self.codewords(bytes, version: version, correction: correction))
        precondition(forcedMask.map { (0..<8).contains($0) } ?? true, "mask must be 0–7")
        var mask = forcedMask ?? 0
        if forcedMask == nil {
            let penalties = (0..<8).map { Self.penalty(grid.masked($0, correction).dark, size: grid.size) }
            mask = penalties.indices.min { penalties[$0] < penalties[$1] } ?? 0  // the first of equals
        }
        self.version = version
        self.size = grid.size
        self.correction = correction
        self.mask = mask
        self.modules = grid.masked(mask, correction).dark
    }

    /// Whether the module at column `x`, row `y` (both in `0..<size`, origin top left) is dark;
    /// outside the symbol (the quiet zone) is light.
    public func isDark(x: Int, y: Int) -> Bool {
        (0..<size).contains(x) && (0..<size).contains(y) && modules[y * size + x]
    }

    /// The code drawn with Unicode half blocks, two module rows per line, surrounded by `quietZone`
    /// light modules (the standard asks for 4; 2 is usually enough on a screen).
    ///
    /// With `inverted` (the default) light modules are drawn as blocks and dark ones as spaces, which
    /// suits the usual light-on-dark terminal: the blocks show in the light foreground colour and the
    /// dark background shows through as the dark modules. Pass `false` for a dark-on-light terminal.
    /// Lines are joined by `"\n"`, without a trailing newline.
    public func terminalText(quietZone: Int = 2, inverted: Bool = true) -> String {
        let quiet = max(0, quietZone)
        let range = -quiet..<(size + quiet)
        // Drawn means a block; below the last row there is nothing to draw.
        func drawn(_ x: Int, _ y: Int) -> Bool { y < size + quiet && isDark(x: x, y: y) != inverted }
        var lines: [String] = []
        for y in stride(from: range.lowerBound, to: range.upperBound, by: 2) {
            var line = ""
            for x in range {
                switch (drawn(x, y), drawn(x, y + 1)) {
                case (true, true): line += "█"
                case (true, false): line += "▀"
                case (false, true): line += "▄"
                case (false, false): line += " "
                }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    // MARK: Capacity and codewords

    /// Error-correction codewords per block, by correction level then version (Table 9 of the standard).
    private static let eccPerBlock: [[Int]] = [
        [7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
         28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
         26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
        [13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
         28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
         30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    ]
    /// Error-correction blocks, by correction level then version (Table 9 of the standard).
    private static let blockCount: [[Int]] = [
        [1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
         8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
        [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
         17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
        [1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
         23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
        [1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
         25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
    ]

    /// All codewords of a version: the modules left once the function patterns are drawn, over 8.
    static func totalCodewords(version v: Int) -> Int {
        var modules = (17 + 4 * v) * (17 + 4 * v) - 3 * 64 - 2 * (4 * v + 1) - 31  // finders, timing, format
        if v >= 2 {
            let n = v / 7 + 2
            modules -= 25 * (n * n - 3) - 10 * (n - 2)  // alignment patterns, less their overlap with timing
        }
        if v >= 7 { modules -= 36 }  // version information
        return modules / 8
    }

    static func dataCodewords(version: Int, correction: Correction) -> Int {
        let c = correction.rawValue, i = version - 1
        return totalCodewords(version: version) - eccPerBlock[c][i] * blockCount[c][i]
    }

    /// The most bytes byte mode holds in this version and level.
    static func capacity(version: Int, correction: Correction) -> Int {
        (dataCodewords(version: version, correction: correction) * 8 - 4 - (version <= 9 ? 8 : 16)) / 8
    }

    /// The final codeword sequence: data in byte mode, padded, split into blocks, each followed by its
    /// Reed–Solomon codewords, then interleaved.
    static func codewords(_ bytes: [UInt8], version: Int, correction: Correction) -> [UInt8] {
        let dataCount = dataCodewords(version: version, correction: correction)
        var bits: [Bool] = []
        func append(_ value: Int, _ count: Int) {
            for i in stride(from: count - 1, through: 0, by: -1) { bits.append(value >> i & 1 == 1) }
        }
        append(0b0100, 4)  // byte mode
        append(bytes.count, version <= 9 ? 8 : 16)
        for byte in bytes { append(Int(byte), 8) }
        append(0, min(4, dataCount * 8 - bits.count))  // terminator
        append(0, (8 - bits.count % 8) % 8)
        var data = stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
        }
        for i in 0..<(dataCount - data.count) { data.append(i % 2 == 0 ? 0xEC : 0x11) }

        let blocks = blockCount[correction.rawValue][version - 1]
        let ecc = eccPerBlock[correction.rawValue][version - 1]
        let shortLength = dataCount / blocks, longBlocks = dataCount % blocks
        let generator = GF.generator(degree: ecc)
        var dataBlocks: [[UInt8]] = [], eccBlocks: [[UInt8]] = []
        var start = 0
        for b in 0..<blocks {
            let length = shortLength + (b >= blocks - longBlocks ? 1 : 0)  // the short blocks come first
            let block = Array(data[start..<start + length])
            dataBlocks.append(block)
            eccBlocks.append(GF.remainder(block, generator))
            start += length
        }
        var result: [UInt8] = []
        for i in 0...shortLength {
            for block in dataBlocks where i < block.count { result.append(block[i]) }
        }
        for i in 0..<ecc {
            for block in eccBlocks { result.append(block[i]) }
        }
        return result
    }

    /// Centres of the alignment patterns along one axis (Annex E): 6, then evenly spaced up to
    /// `size - 7` with an even step (26 for version 32), the first gap taking what is left.
    static func alignmentCentres(version: Int) -> [Int] {
        guard version >= 2 else { return [] }
        let size = 17 + 4 * version, gaps = version / 7 + 1
        var step = (size - 13 + gaps - 1) / gaps
        step += step % 2
        if version == 32 { step = 26 }
        return [6] + (0..<gaps).map { size - 7 - step * $0 }.reversed()
    }

    // MARK: Mask penalty

    /// Dark, light, dark × 3, light, dark: the 1:1:3:1:1 row of a finder pattern.
    private static let finderLike = [true, false, true, true, true, false, true]

    /// The penalty score (section 7.8.3) of a row-major matrix; `init` scores each masked symbol with its
    /// format information drawn. Points for each run of 5 + i modules of one colour in a row or column
    /// (N1 = 3, + i), each 2×2 block of one colour (N2 = 3), each 1:1:3:1:1 finder-like sequence with
    /// four light modules before or after it, outside the symbol counting as light (N3 = 40), and each
    /// full 5 % by which the dark proportion strays from 50 % (N4 = 10).
    static func penalty(_ dark: [Bool], size: Int) -> Int {
        var score = 0
        for line in 0..<size {
            for horizontal in [true, false] {
                let modules = (0..<size).map { horizontal ? dark[line * size + $0] : dark[$0 * size + line] }
                var run = 1
                for i in 1...size {
                    if i < size, modules[i] == modules[i - 1] {
                        run += 1
                    } else {
                        if run >= 5 { score += run - 2 }
                        run = 1
                    }
                }
                func light(_ range: Range<Int>) -> Bool { range.allSatisfy { $0 < 0 || $0 >= size || !modules[$0] } }
                for i in 0...(size - 7) where modules[i] && modules[i..<i + 7].elementsEqual(finderLike) {
                    if light(i - 4..<i) || light(i + 7..<i + 11) { score += 40 }
                }
            }
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let d = dark[y * size + x]
                if dark[y * size + x + 1] == d, dark[(y + 1) * size + x] == d, dark[(y + 1) * size + x + 1] == d {
                    score += 3
                }
            }
        }
        let darkCount = dark.count(where: { $0 })
        score += abs(darkCount * 20 - dark.count * 10) / dark.count * 10
        return score
    }

    // MARK: BCH codes

    /// The 15 format-information bits for a level and mask: BCH(15,5) with generator 0x537, XOR 0x5412.
    static func formatBits(correction: Correction, mask: Int) -> Int {
        let data = correction.formatBits << 3 | mask
        return (data << 10 | bchRemainder(data << 10, generator: 0x537)) ^ 0x5412
    }

    /// The 18 version-information bits: BCH(18,6) with generator 0x1F25.
    static func versionBits(_ version: Int) -> Int {
        version << 12 | bchRemainder(version << 12, generator: 0x1F25)
    }

    private static func bchRemainder(_ value: Int, generator: Int) -> Int {
        let degree = Int.bitWidth - generator.leadingZeroBitCount - 1
        var value = value
        while value != 0, Int.bitWidth - value.leadingZeroBitCount - 1 >= degree {
            value ^= generator << (Int.bitWidth - value.leadingZeroBitCount - 1 - degree)
        }
        return value
    }
}

/// Arithmetic in GF(256) with the QR polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D), and Reed–Solomon encoding.
private enum GF {
    /// `exp[i]` is αⁱ, for i in 0..<510 so that products need no modulo; `log` is its inverse.
    static let (exp, log): ([UInt8], [Int]) = {
        var exp = [UInt8](repeating: 0, count: 510), log = [Int](repeating: 0, count: 256)
        var x = 1
        for i in 0..<255 {
            exp[i] = UInt8(x)
            exp[i + 255] = UInt8(x)
            log[x] = i
            x <<= 1
            if x & 0x100 != 0 { x ^= 0x11D }
        }
        return (exp, log)
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        a == 0 || b == 0 ? 0 : exp[log[Int(a)] + log[Int(b)]]
    }

    /// The coefficients, highest power first, of ∏ (x − αⁱ) for i in 0..<degree; the leading 1 is left out.
    static func generator(degree: Int) -> [UInt8] {
        var poly: [UInt8] = [1]
        for i in 0..<degree {
            var next = poly + [0]
            for (j, coefficient) in poly.enumerated() { next[j + 1] ^= multiply(coefficient, exp[i]) }
            poly = next
        }
        return Array(poly.dropFirst())
    }

    /// The remainder of `data × x^degree` divided by the generator: the error-correction codewords.
    static func remainder(_ data: [UInt8], _ generator: [UInt8]) -> [UInt8] {
        var rest = [UInt8](repeating: 0, count: generator.count)
        for byte in data {
            let factor = byte ^ rest[0]
            rest.removeFirst()
            rest.append(0)
            for i in rest.indices { rest[i] ^= multiply(generator[i], factor) }
        }
        return rest
    }
}

/// The module matrix while it is built: which modules are dark, and which belong to function patterns.
private struct Grid {
    let version: Int
    let size: Int
    var dark: [Bool]
    var function: [Bool]

    init(version: Int) {
        self.version = version
        self.size = 17 + 4 * version
        self.dark = Array(repeating: false, count: size * size)
        self.function = Array(repeating: false, count: size * size)
    }

    mutating func set(_ x: Int, _ y: Int, _ isDark: Bool) {
        dark[y * size + x] = isDark
        function[y * size + x] = true
    }

    mutating func drawFunctionPatterns() {
        for i in 0..<size {  // timing patterns; the finders overwrite their ends
            set(6, i, i % 2 == 0)
            set(i, 6, i % 2 == 0)
        }
        for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {  // finders with their separators
            for dy in -4...4 {
                for dx in -4...4 where (0..<size).contains(cx + dx) && (0..<size).contains(cy + dy) {
                    let ring = max(abs(dx), abs(dy))
                    set(cx + dx, cy + dy, ring != 2 && ring != 4)
                }
            }
        }
        let centres = QRCode.alignmentCentres(version: version), last = centres.last ?? 0
        for cy in centres {
            for cx in centres where ![(6, 6), (6, last), (last, 6)].contains(where: { $0 == (cx, cy) }) {
                for dy in -2...2 {
                    for dx in -2...2 { set(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1) }
                }
            }
        }
        drawFormat(QRCode.formatBits(correction: .medium, mask: 0))  // reserves the areas
        if version >= 7 {
            let bits = QRCode.versionBits(version)
            for i in 0..<18 {
                let bit = bits >> i & 1 == 1
                set(i / 3, size - 11 + i % 3, bit)
                set(size - 11 + i % 3, i / 3, bit)
            }
        }
    }

    /// Both copies of the format information, bit 0 being the least significant, and the dark module.
    mutating func drawFormat(_ bits: Int) {
        func bit(_ i: Int) -> Bool { bits >> i & 1 == 1 }
        for i in 0..<6 { set(8, i, bit(i)) }
        set(8, 7, bit(6))
        set(8, 8, bit(7))
        set(7, 8, bit(8))
        for i in 9..<15 { set(14 - i, 8, bit(i)) }
        for i in 0..<8 { set(size - 1 - i, 8, bit(i)) }
        for i in 8..<15 { set(8, size - 15 + i, bit(i)) }
        set(8, size - 8, true)
    }

    /// Places the codewords' bits, most significant first, in two-module columns zigzagging up and down
    /// from the bottom right, skipping function modules and the vertical timing column; leftover
    /// modules (remainder bits) stay light.
    mutating func placeData(_ codewords: [UInt8]) {
        var index = 0
        var right = size - 1
        var upward = true
        while right >= 1 {
            if right == 6 { right = 5 }
            for step in 0..<size {
                let y = upward ? size - 1 - step : step
                for x in [right, right - 1] where !function[y * size + x] {
                    if index < codewords.count * 8 {
                        dark[y * size + x] = codewords[index / 8] >> (7 - index % 8) & 1 == 1
                    }
                    index += 1
                }
            }
            upward.toggle()
            right -= 2
        }
    }

    /// A copy with mask pattern `mask` applied to the data modules and its format information drawn.
    func masked(_ mask: Int, _ correction: QRCode.Correction) -> Grid {
        var copy = self
        for y in 0..<size {
            for x in 0..<size where !function[y * size + x] {
                let flip =
                    switch mask {
                    case 0: (x + y) % 2 == 0
                    case 1: y % 2 == 0
                    case 2: x % 3 == 0
                    case 3: (x + y) % 3 == 0
                    case 4: (y / 2 + x / 3) % 2 == 0
                    case 5: x * y % 2 + x * y % 3 == 0
                    case 6: (x * y % 2 + x * y % 3) % 2 == 0
                    default: ((x + y) % 2 + x * y % 3) % 2 == 0
                    }
                if flip { copy.dark[y * size + x].toggle() }
            }
        }
        copy.drawFormat(QRCode.formatBits(correction: correction, mask: mask))
        return copy
    }
}
