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
}
