extension QRCode {
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
}
