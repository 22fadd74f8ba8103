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
}
