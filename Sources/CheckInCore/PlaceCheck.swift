import Foundation

/// What `arm` says about the place's position before the night relies on it: a position in the open sea, or
/// far from where the user was last seen, is most often a slip (latitude and longitude swapped, a wrong
/// sign), and a map link the contacts will follow to the wrong town.
public enum PlaceCheck {
    /// Farther than this from the last known position, `--geo` is worth a second look.
    public static let farKilometres = 1_000.0

    /// Warnings for `geo` given the newest position the node holds and where the land is; none when it is on
    /// land (or near it) and close to the last known position, or nothing is known.
    public static func warnings(geo: Coordinate, lastKnown: Coordinate?, land: LandMask? = .embedded) -> [String] {
        let atSea = land?.isOpenSea(geo) ?? false
        let distance = lastKnown.map(geo.kilometres(to:))
        var warnings: [String] = []
        if atSea {
            warnings.append("--geo \(geo.lat),\(geo.lon) is in the open sea, far from any coast; check it before you go")
        }
        if let distance, distance > farKilometres {
            warnings.append("--geo \(geo.lat),\(geo.lon) is \(Int(distance.rounded())) km from your last known position; check it before you go")
        }
        guard !warnings.isEmpty, let swapped = try? Coordinate(lat: geo.lon, lon: geo.lat) else { return warnings }
        // The swap is worth suggesting when it cures what was wrong: it lands, and lands near the user.
        let swappedAtSea = land?.isOpenSea(swapped) ?? false
        let swappedDistance = lastKnown.map(swapped.kilometres(to:))
        guard !swappedAtSea, (swappedDistance ?? 0) <= farKilometres else { return warnings }
        let near = swappedDistance.map { " is \(Int($0.rounded())) km from your last known position" } ?? " is on land"
        warnings.append("did you swap latitude and longitude? --geo \(swapped.lat),\(swapped.lon)\(near)")
        return warnings
    }
}
