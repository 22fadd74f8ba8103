@testable import MeetupNode
import Testing

@Suite("ListenAddress")
struct ListenAddressTests {
    @Test("HOST:PORT and [IPv6]:PORT parse; the description gives them back")
    func parses() throws {
        #expect(try ListenAddress(parsing: "127.0.0.1:7744") == ListenAddress(host: "127.0.0.1", port: 7744))
        #expect(try ListenAddress(parsing: "[::1]:0") == ListenAddress(host: "::1", port: 0))
        #expect(try ListenAddress(parsing: "node.example:80").description == "node.example:80")
        #expect(ListenAddress(host: "::1", port: 9).description == "[::1]:9")
    }

    @Test("malformed addresses and ports are refused, quoting the input",
          arguments: ["", "7744", ":7744", "::1:7744", "[::1]7744", "host:", "host:http", "host:65536", "host:-1"])
    func refuses(text: String) {
        #expect(throws: ListenAddressError.self) { try ListenAddress(parsing: text) }
    }
}
