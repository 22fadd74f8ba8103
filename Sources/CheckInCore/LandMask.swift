import Foundation

/// Where there is land, in 0.25-degree cells, from GSHHG's intermediate shorelines (LandMaskData.swift,
/// made by scripts/land_mask.py). `arm` uses it to say that `--geo` falls in the open sea: a point whose
/// cell and eight neighbours hold no land lies at least one cell (about 15 to 28 km at our latitudes) from
/// any coast, lake or island, so a harbour, a beach or a boat in a bay is never flagged.
public struct LandMask: Sendable {
    public static let rows = 720
    public static let columns = 1_440
    static let degreesPerCell = 0.25

    /// The mask embedded in the binary, decoded on first use; nil only if the embedded data were damaged,
    /// and then nothing is flagged.
    public static let embedded = LandMask(encoded: encoded, landCells: landCells)

    private let bits: [UInt64]

    /// Decodes `encoded` (rows of LEB128 run lengths, sea first, in base64); nil unless every row covers
    /// exactly `columns` cells and the land cells number `landCells`.
    init?(encoded: String, landCells: Int) {
        guard let bytes = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters) else { return nil }
        var bits = [UInt64](repeating: 0, count: (Self.rows * Self.columns + 63) / 64)
        var index = bytes.startIndex
        var land = 0
        for row in 0..<Self.rows {
            var column = 0
            var isLand = false
            while column < Self.columns {
                var length = 0
                var shift = 0
                while true {
                    guard index < bytes.endIndex, shift < 21 else { return nil }
                    let byte = bytes[index]
                    index += 1
                    length |= Int(byte & 0x7F) << shift
                    shift += 7
                    if byte & 0x80 == 0 { break }
                }
                guard column + length <= Self.columns else { return nil }
                if isLand {
                    for cell in (row * Self.columns + column)..<(row * Self.columns + column + length) {
                        bits[cell >> 6] |= 1 << UInt64(cell & 63)
                    }
                    land += length
                }
                column += length
                isLand.toggle()
            }
        }
        guard index == bytes.endIndex, land == landCells else { return nil }
        self.bits = bits
    }

    /// Whether the cell at `row` (0 at the north pole) and `column` (0 at 180° W) holds land. Columns wrap
    /// around the antimeridian; rows beyond the poles are the pole's row.
    public func isLand(row: Int, column: Int) -> Bool {
        let row = min(max(row, 0), Self.rows - 1)
        let column = ((column % Self.columns) + Self.columns) % Self.columns
        let cell = row * Self.columns + column
        return bits[cell >> 6] & (1 << UInt64(cell & 63)) != 0
    }

    /// Whether `point`'s cell and its eight neighbours are all open sea.
    public func isOpenSea(_ point: Coordinate) -> Bool {
        let row = min(Int((90 - point.lat) / Self.degreesPerCell), Self.rows - 1)
        let column = min(Int((point.lon + 180) / Self.degreesPerCell), Self.columns - 1)
        for dRow in -1...1 {
            for dColumn in -1...1 where isLand(row: row + dRow, column: column + dColumn) { return false }
        }
        return true
    }
}
