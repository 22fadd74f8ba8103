import Foundation

/// What can happen to a plan. Time events come from the scheduler at their own instant; the others from
/// the user, after the node has checked the PIN.
public enum CheckInEvent: Equatable, Sendable {
    case startReached
    case reminderDue
    case deadlineReached
    case graceOver
    /// The retention period after `done` is over.
    case retentionOver
    /// A check-in with the real PIN.
    case checkIn
    case extend(until: Date)
    case done
    /// A PIN-protected command given with the duress PIN: it must look exactly like `command`.
    case duress(PINCommand)
    case panic
    case wrongPIN
    case location(LocationFix)
    /// The phone entered or left one of its regions (OwnTracks): a history line, never a check-in.
    case region(RegionTransition)
}

/// The commands that take a PIN.
public enum PINCommand: Equatable, Sendable {
    case checkIn
    case extend(until: Date)
    case done
    /// Changing the PINs: no effect on any plan's state.
    case changePIN

    /// The plan event the real PIN causes; nil for a command that leaves plans alone.
    public var event: CheckInEvent? {
        switch self {
        case .checkIn: .checkIn
        case let .extend(until): .extend(until: until)
        case .done: .done
        case .changePIN: nil
        }
    }
}

/// One position report. Never a check-in: a phone in an ambusher's pocket still moves.
public struct LocationFix: Codable, Equatable, Sendable {
    public var geo: Coordinate
    /// Horizontal accuracy in metres, when known.
    public var accuracy: Double?
    public var at: Date
    /// The phone's battery in percent, when it said (OwnTracks `batt`): tells contacts why it may go dark.
    public var battery: Int?

    /// Accuracies beyond this (1,000 km) say nothing about where someone is.
    public static let accuracyLimit: Double = 1_000_000

    /// An accuracy a fix may carry: a finite distance, 0 to `accuracyLimit` metres.
    public static func isValid(accuracy: Double) -> Bool {
        accuracy.isFinite && (0...accuracyLimit).contains(accuracy)
    }

    /// Whether a fix from elsewhere (a contact's alert) holds only what this node would have made.
    public var isWellFormed: Bool {
        (accuracy.map(Self.isValid(accuracy:)) ?? true) && (battery.map { (0...100).contains($0) } ?? true)
    }

    public init(geo: Coordinate, accuracy: Double?, at: Date, battery: Int? = nil) {
        self.geo = geo
        self.accuracy = accuracy
        self.at = at
        self.battery = battery
    }
}

/// Entering or leaving a region the user defined in OwnTracks ("Home", "the bar").
public struct RegionTransition: Codable, Equatable, Sendable {
    public enum Direction: String, Codable, Sendable {
        case enter
        case leave
    }

    public var direction: Direction
    /// The region's name as the user typed it in the app, when it has one.
    public var region: String?
    /// Where and when the phone noticed it.
    public var fix: LocationFix

    public init(direction: Direction, region: String?, fix: LocationFix) {
        self.direction = direction
        self.region = region
        self.fix = fix
    }
}
