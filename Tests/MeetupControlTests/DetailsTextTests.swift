import MeetupControl
import Testing

@Suite("DetailsText")
struct DetailsTextTests {
    @Test("key: value lines, comments and blank lines skipped, values trimmed, colons kept in values")
    func parses() throws {
        let text = """
            # for tonight
            match: Kiwi_75
            Place:  Café du Nord
            geo: 48.8768,2.3570

            profile: https://example.org/u/kiwi
            phone:
            note: red cap: tall\r
            """
        let details = try DetailsText.parse(text)
        #expect(details == [
            "match": "Kiwi_75", "place": "Café du Nord", "geo": "48.8768,2.3570", "profile": "https://example.org/u/kiwi",
            "note": "red cap: tall",
        ])
    }

    @Test("a line without a colon, an unknown key or a key given twice is refused, naming the line")
    func refuses() {
        #expect(throws: DetailsTextError.notKeyValue(line: 2)) { try DetailsText.parse("match: a\nKiwi") }
        #expect(throws: DetailsTextError.unknownKey(line: 1, key: "adress")) { try DetailsText.parse("adress: 1 rue") }
        #expect(throws: DetailsTextError.repeated(line: 3, key: "match")) { try DetailsText.parse("match: a\n\nmatch: b") }
        #expect(DetailsTextError.unknownKey(line: 1, key: "adress").description
            == #"details line 1: unknown key "adress" (known: match, platform, profile, phone, note, place, geo)"#)
    }

    @Test("details join the flags; a key given both ways is refused")
    func merges() throws {
        let merged = try DetailsText.merge(["match": "Kiwi"], into: ["place": "Cafe", "geo": nil])
        #expect(merged == ["match": "Kiwi", "place": "Cafe"])
        #expect(throws: DetailsTextError.givenTwice(key: "place")) { try DetailsText.merge(["place": "Bar"], into: ["place": "Cafe"]) }
    }
}
