import MeetupControl
import Testing

@Suite("GlobalOptionHoisting")
struct GlobalOptionHoistingTests {
    @Test("global options before the subcommand move after it; everything else keeps its order")
    func hoists() {
        #expect(GlobalOptionHoisting.hoist(["--home", "H", "--json", "status"]) == ["status", "--home", "H", "--json"])
        #expect(GlobalOptionHoisting.hoist(["--home=H", "status", "p1"]) == ["status", "p1", "--home=H"])
        #expect(GlobalOptionHoisting.hoist(["status", "--home", "H", "--json"]) == ["status", "--home", "H", "--json"])
        #expect(GlobalOptionHoisting.hoist(["--json", "contacts", "list"]) == ["contacts", "list", "--json"])
        #expect(GlobalOptionHoisting.hoist([]) == [])
        // A dangling --home is left for the parser to report.
        #expect(GlobalOptionHoisting.hoist(["--home"]) == ["--home"])
        #expect(GlobalOptionHoisting.hoist(["--version"]) == ["--version"])
    }
}
