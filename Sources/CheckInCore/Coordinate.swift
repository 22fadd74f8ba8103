import Foundation

/// A WGS 84 position in decimal degrees.
public struct Coordinate: Codable, Equatable, Hashable, Sendable {
    public let lat: Double
    public let lon: Double

    /// Throws for a latitude outside ±90, a longitude outside ±180, or a value that is not finite.
    public init(lat: Double, lon: Double) throws(PlanError) {
        guard lat.isFinite, (-90...90).contains(lat) else { throw .latitudeOutOfRange(lat) }
        guard lon.isFinite, (-180...180).contains(lon) else { throw .longitudeOutOfRange(lon) }
        self.lat = lat
        self.lon = lon
    }

    /// `LAT,LON` as typed on the command line: `48.8566,2.3522`.
    public init(parsing text: String) throws(PlanError) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let lat = Double(parts[0].trimmingCharacters(in: .whitespaces)),
              let lon = Double(parts[1].trimmingCharacters(in: .whitespaces))
        else { throw .malformedCoordinate(text) }
        try self.init(lat: lat, lon: lon)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(lat: container.decode(Double.self, forKey: .lat), lon: container.decode(Double.self, forKey: .lon))
    }

    /// The position on OpenStreetMap, zoomed to the street.
    public var mapLink: String {
        "https://www.openstreetmap.org/?mlat=\(lat)&mlon=\(lon)#map=17/\(lat)/\(lon)"
    }

    /// The `geo:` URI a phone opens in its maps app.
    public var geoURI: String { "geo:\(lat),\(lon)" }

    /// The great-circle distance to `other`, in kilometres (haversine, on a sphere of 6,371 km).
    public func kilometres(to other: Coordinate) -> Double {
        let radians = { (degrees: Double) in degrees * .pi / 180 }
        let dLat = radians(other.lat - lat)
        let dLon = radians(other.lon - lon)
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(radians(lat)) * cos(radians(other.lat)) * sin(dLon / 2) * sin(dLon / 2)
        return 6_371 * 2 * atan2(a.squareRoot(), (1 - a).squareRoot())
    }
}
