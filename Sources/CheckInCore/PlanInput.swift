import Foundation

/// What `meetupctl arm` was given, as typed; `parse` turns it into a plan or names the flag it refuses.
/// It is also the body of `POST /v1/plans` (the control API calls it `ArmRequest`): the daemon parses every
/// field itself, so that all decisions and their messages live in one place. JSON carries `photo` in base64.
public struct PlanInput: Codable, Sendable {
    public var match: String?
    public var place: String?
    public var geo: String?
    public var platform: String?
    public var profile: String?
    public var phone: String?
    public var note: String?
    public var photo: Data?
    public var start: String?
    public var every: String?
    public var grace: String?
    public var until: String?
    public var length: String?
    /// Contact names; empty means all.
    public var contacts: [String]?
    /// How long tier-1 contacts have to acknowledge an alert before tier-2 contacts receive it.
    public var escalateAfter: String?
    /// Arm although another plan is running (`--also`): a second `arm` is most often the same command run
    /// twice.
    public var also: Bool?
    /// Arm although no contact would hear of an alert (`--no-contacts`): the user means it.
    public var noContacts: Bool?

    enum CodingKeys: String, CodingKey {
        case match, place, geo, platform, profile, phone, note, photo, start, every, grace, until, contacts, also
        case length = "for"
        case escalateAfter = "escalate_after"
        case noContacts = "no_contacts"
    }

    public init(
        match: String?, place: String?, geo: String? = nil, platform: String? = nil, profile: String? = nil,
        phone: String? = nil, note: String? = nil, photo: Data? = nil, start: String? = nil, every: String? = nil,
        grace: String? = nil, until: String? = nil, length: String? = nil, contacts: [String]? = nil,
        escalateAfter: String? = nil, also: Bool? = nil, noContacts: Bool? = nil
    ) {
        self.match = match
        self.place = place
        self.geo = geo
        self.platform = platform
        self.profile = profile
        self.phone = phone
        self.note = note
        self.photo = photo
        self.start = start
        self.every = every
        self.grace = grace
        self.until = until
        self.length = length
        self.contacts = contacts
        self.escalateAfter = escalateAfter
        self.also = also
        self.noContacts = noContacts
    }

    /// Photos larger than this are refused: a photo travels in every alert.
    public static let photoLimit = 5 << 20

    /// A plan with `id`, created at `now`, and the photo's id when there is one. Checks every field.
    public func parse(id: String, now: Date) throws(PlanError) -> Plan {
        let place = try Place(name: self.place ?? "", geo: try geo.map { text throws(PlanError) in try Coordinate(parsing: text) })
        if let photo { try Self.checkPhoto(photo) }
        let match = try MatchDetails(
            pseudonym: self.match ?? "", platform: platform, profile: profile, phone: phone, note: note,
            photo: photo == nil ? nil : id)
        let start = try start.map { text throws(PlanError) in try Self.instant(text, flag: "--start", now: now) } ?? now
        // One second of slack: "now" typed on the command line is already a moment old when it arrives.
        guard start >= now.addingTimeInterval(-1) else { throw .startInPast(flag: "--start") }
        let every = try Self.duration(every, flag: "--every") ?? Schedule.defaultEvery
        let grace = try Self.duration(grace, flag: "--grace") ?? Schedule.defaultGrace
        let end: Date
        switch (until, length) {
        case (.some, .some):
            throw .conflictingEnd
        case let (.some(text), nil):
            end = try Self.instant(text, flag: "--until", now: now)
        case let (nil, .some(text)):
            end = start.addingTimeInterval(TimeInterval(try Self.duration(text, flag: "--for") ?? 0))
        case (nil, nil):
            end = start.addingTimeInterval(TimeInterval(Schedule.defaultLength))
        }
        let schedule = try Schedule(start: start, every: every, grace: grace, until: end)
        let escalate = try Self.duration(escalateAfter, flag: "--escalate-after") ?? Plan.defaultEscalateAfter
        return Plan(
            id: id, match: match, place: place, schedule: schedule, contacts: contacts ?? [], escalateAfter: escalate,
            createdAt: now)
    }

    public static func duration(_ text: String?, flag: String) throws(PlanError) -> Int? {
        guard let text else { return nil }
        let seconds: Int
        do { seconds = try DurationText.parse(text) } catch { throw .badDuration(flag: flag, error) }
        guard seconds >= 1 else { throw .durationTooShort(flag: flag, seconds: seconds) }
        return seconds
    }

    /// An ISO 8601 instant (`2026-11-23T21:00:00Z`, an offset, fractional seconds), or `+DURATION` from now.
    public static func instant(_ text: String, flag: String, now: Date) throws(PlanError) -> Date {
        if text.hasPrefix("+") {
            do { return now.addingTimeInterval(TimeInterval(try DurationText.parse(String(text.dropFirst())))) } catch {
                throw .malformedInstant(flag: flag, text: text)
            }
        }
        guard let date = InstantText.parse(text) else { throw .malformedInstant(flag: flag, text: text) }
        return date
    }

    /// JPEG, PNG or WebP by their magic bytes, and no larger than `photoLimit`.
    public static func checkPhoto(_ bytes: Data) throws(PlanError) {
        guard bytes.count <= photoLimit else { throw .photoTooLarge(bytes: bytes.count, limit: photoLimit) }
        let head = [UInt8](bytes.prefix(12))
        let jpeg = head.starts(with: [0xFF, 0xD8, 0xFF])
        let png = head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let webp = head.count == 12 && head.starts(with: Array("RIFF".utf8)) && Array(head[8..<12]) == Array("WEBP".utf8)
        guard jpeg || png || webp else { throw .photoNotAnImage }
    }
}
