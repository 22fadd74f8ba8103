import Foundation

/// What `arm` says about the place's position before the night relies on it: a position far from where the
/// user was last seen is most often a slip (latitude and longitude swapped, a wrong sign), and a map link the
/// contacts will follow to the wrong town.
public enum PlaceCheck {
    /// Farther than this from the last known position, `--geo` is worth a second look.
    public static let farKilometres = 1_000.0

    /// Warnings for `geo` given the newest position the node holds; none when it is close, or nothing is known.
    public static func warnings(geo: Coordinate, lastKnown: Coordinate?) -> [String] {
        guard let lastKnown else { return [] }
        let distance = geo.kilometres(to: lastKnown)
        guard distance > farKilometres else { return [] }
        var warnings = ["--geo \(geo.lat),\(geo.lon) is \(Int(distance.rounded())) km from your last known position; check it before you go"]
        if let swapped = try? Coordinate(lat: geo.lon, lon: geo.lat), swapped.kilometres(to: lastKnown) <= farKilometres {
            warnings.append("did you swap latitude and longitude? --geo \(swapped.lat),\(swapped.lon) is \(Int(swapped.kilometres(to: lastKnown).rounded())) km from it")
        }
        return warnings
    }
}
