/// The module matrix while it is built: which modules are dark, and which belong to function patterns.
struct Grid {
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
