extension QRCode {
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
