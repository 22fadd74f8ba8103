import Foundation
import Testing
@testable import CheckInCore

@Suite("the place's position, checked")
struct PlaceCheckTests {
    let paris = try! Coordinate(lat: 48.8768, lon: 2.3570)

    @Test("far from the last known position, or in the open sea: a warning; swapped coordinates: the hint; else nothing")
    func warnings() throws {
        #expect(PlaceCheck.warnings(geo: try Coordinate(lat: 48.85, lon: 2.35), lastKnown: paris).isEmpty)
        #expect(PlaceCheck.warnings(geo: try Coordinate(lat: 48.85, lon: 2.35), lastKnown: nil).isEmpty)
        let swapped = PlaceCheck.warnings(geo: try Coordinate(lat: 2.3570, lon: 48.8768), lastKnown: paris)
        #expect(swapped == [
            "--geo 2.357,48.8768 is in the open sea, far from any coast; check it before you go",
            "--geo 2.357,48.8768 is 6795 km from your last known position; check it before you go",
            "did you swap latitude and longitude? --geo 48.8768,2.357 is 0 km from your last known position",
        ], "\(swapped)")
        let nothingKnown = PlaceCheck.warnings(geo: try Coordinate(lat: 2.3570, lon: 48.8768), lastKnown: nil)
        #expect(nothingKnown == [
            "--geo 2.357,48.8768 is in the open sea, far from any coast; check it before you go",
            "did you swap latitude and longitude? --geo 48.8768,2.357 is on land",
        ], "\(nothingKnown)")
        let lyon = PlaceCheck.warnings(geo: try Coordinate(lat: 45.76, lon: 4.83), lastKnown: paris)
        #expect(lyon.isEmpty, "392 km: a train ride, not a slip")
        #expect(try Coordinate(lat: 45.76, lon: 4.83).kilometres(to: paris) > 380)
        let tokyo = PlaceCheck.warnings(geo: try Coordinate(lat: 35.68, lon: 139.77), lastKnown: paris)
        #expect(tokyo.count == 1 && tokyo[0].contains("km from your last known position"), "no swap to suggest: \(tokyo)")
        #expect(PlaceCheck.warnings(geo: try Coordinate(lat: 2.3570, lon: 48.8768), lastKnown: nil, land: nil).isEmpty,
                "without a mask, nothing is flagged")
    }
}

@Suite("the land mask")
struct LandMaskTests {
    let mask = LandMask.embedded!

    @Test("land, coasts, small islands and lakes are not open sea", arguments: [
        (48.8768, 2.3570, "Paris"), (-33.86, 151.21, "Sydney"), (64.15, -21.94, "Reykjavik"),
        (21.31, -157.86, "Honolulu"), (-15.96, -5.72, "Saint Helena"), (-37.11, -12.28, "Tristan da Cunha"),
        (43.69, 7.26, "the beach at Nice"), (43.62, 7.26, "8 km off Nice"), (46.45, 6.55, "Lake Geneva"),
        (-77.85, 166.67, "McMurdo"), (-16.8, 179.97, "Taveuni, across the antimeridian"), (-16.8, -179.99, "beside Taveuni"),
        (78.22, 15.65, "Longyearbyen"), (-54.43, 3.38, "Bouvet Island"),
    ])
    func land(lat: Double, lon: Double, name: String) throws {
        #expect(!mask.isOpenSea(try Coordinate(lat: lat, lon: lon)), "\(name)")
    }

    @Test("the open ocean is", arguments: [
        (2.3570, 48.8768, "Paris swapped: off Somalia"), (40.0, -40.0, "mid-Atlantic"), (0.0, 0.0, "the Gulf of Guinea"),
        (0.0, -140.0, "mid-Pacific"), (-60.0, 0.0, "the Southern Ocean"), (90.0, 0.0, "the North Pole"),
        (-30.0, 80.0, "the Indian Ocean"), (30.0, -179.99, "the North Pacific at the antimeridian"),
    ])
    func sea(lat: Double, lon: Double, name: String) throws {
        #expect(mask.isOpenSea(try Coordinate(lat: lat, lon: lon)), "\(name)")
    }

    @Test("the embedded data decode whole; damaged data, a wrong count or a row too long decode to nothing")
    func decoding() {
        #expect(LandMask.embedded != nil)
        #expect(LandMask(encoded: LandMask.encoded, landCells: LandMask.landCells + 1) == nil)
        #expect(LandMask(encoded: String(LandMask.encoded.dropLast(40)), landCells: LandMask.landCells) == nil)
        // One row of 1,441 sea cells, then nothing.
        #expect(LandMask(encoded: Data([0xA1, 0x0B]).base64EncodedString(), landCells: 0) == nil)
        #expect(LandMask(encoded: "not base64 at all!", landCells: 0) == nil)
        // All sea: 720 rows of one 1,440-cell run.
        let allSea = Data((0..<LandMask.rows).flatMap { _ in [UInt8(0xA0), 0x0B] }).base64EncodedString()
        let sea = LandMask(encoded: allSea, landCells: 0)
        #expect(sea != nil && sea?.isOpenSea(try! Coordinate(lat: 48.8768, lon: 2.3570)) == true)
    }
}
