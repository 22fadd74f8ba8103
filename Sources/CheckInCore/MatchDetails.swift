/// Who the user is meeting. Only the pseudonym is required. Sealed at rest; never logged.
public struct MatchDetails: Codable, Equatable, Sendable {
    public var pseudonym: String
    public var platform: String?
    public var profile: String?
    public var phone: String?
    public var note: String?
    /// Id of the photo stored beside the plan, when one was given.
    public var photo: String?

    /// Free text fields are capped so that one plan cannot fill the disk or a contact's screen.
    public static let fieldLimit = 500
    public static let noteLimit = 2_000

    public init(
        pseudonym: String, platform: String? = nil, profile: String? = nil, phone: String? = nil,
        note: String? = nil, photo: String? = nil
    ) throws(PlanError) {
        let pseudonym = pseudonym.trimmed
        guard !pseudonym.isEmpty else { throw .missingPseudonym }
        for (flag, value, limit) in [
            ("--match", pseudonym, Self.fieldLimit), ("--platform", platform ?? "", Self.fieldLimit),
            ("--profile", profile ?? "", Self.fieldLimit), ("--phone", phone ?? "", Self.fieldLimit),
            ("--note", note ?? "", Self.noteLimit),
        ] where value.count > limit {
            throw .fieldTooLong(flag: flag, limit: limit)
        }
        self.pseudonym = pseudonym
        self.platform = platform?.trimmed.nilIfEmpty
        self.profile = profile?.trimmed.nilIfEmpty
        self.phone = phone?.trimmed.nilIfEmpty
        self.note = note?.trimmed.nilIfEmpty
        self.photo = photo
    }
}

/// Where the meetup is: a name people understand, and coordinates when the user gave them.
public struct Place: Codable, Equatable, Sendable {
    public var name: String
    public var geo: Coordinate?

    public init(name: String, geo: Coordinate? = nil) throws(PlanError) {
        let name = name.trimmed
        guard !name.isEmpty else { throw .missingPlace }
        guard name.count <= MatchDetails.fieldLimit else {
            throw .fieldTooLong(flag: "--place", limit: MatchDetails.fieldLimit)
        }
        self.name = name
        self.geo = geo
    }
}

extension String {
    var trimmed: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    var nilIfEmpty: String? { isEmpty ? nil : self }
}
