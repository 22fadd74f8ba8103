import Foundation
import MeetupControl
@testable import MeetupNode
import Testing

/// `--proxy socks5h://HOST:PORT` and `--proxy-only-onion`: what is taken, what is refused and why, and
/// which endpoints go through the proxy.
@Suite("peer proxy")
struct PeerProxyTests {
    @Test("socks5h://HOST:PORT is taken, IPv6 in brackets too; anything else is refused, naming what to write")
    func parsing() throws {
        #expect(try PeerProxy(parsing: "socks5h://127.0.0.1:9050", onlyOnion: false).address == ListenAddress(host: "127.0.0.1", port: 9050))
        #expect(try PeerProxy(parsing: "socks5h://[::1]:9050", onlyOnion: true).address == ListenAddress(host: "::1", port: 9050))
        #expect(throws: PeerProxyError.scheme("socks5://127.0.0.1:9050")) { try PeerProxy(parsing: "socks5://127.0.0.1:9050", onlyOnion: false) }
        #expect(throws: PeerProxyError.scheme("http://127.0.0.1:8080")) { try PeerProxy(parsing: "http://127.0.0.1:8080", onlyOnion: false) }
        for bad in ["socks5h://127.0.0.1", "socks5h://127.0.0.1:0", "socks5h://u:p@127.0.0.1:9050", "socks5h://127.0.0.1:9050/", "socks5h://:9050"] {
            #expect(throws: PeerProxyError.malformed(bad)) { try PeerProxy(parsing: bad, onlyOnion: false) }
        }
        #expect(PeerProxyError.scheme("socks5://x:1").description.contains("socks5h://127.0.0.1:9050"))
    }

    @Test("every endpoint goes through the proxy, or with only-onion just the .onion ones")
    func carries() throws {
        let all = try PeerProxy(parsing: "socks5h://127.0.0.1:9050", onlyOnion: false)
        let onion = try PeerProxy(parsing: "socks5h://127.0.0.1:9050", onlyOnion: true)
        let hidden = "http://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuv.onion:7744"
        #expect(all.carries(hidden) && all.carries("https://node.example:7744"))
        #expect(onion.carries(hidden) && onion.carries("http://ABC.ONION/") && !onion.carries("https://node.example:7744"))
        #expect(!onion.carries("http://onion.example:1") && !onion.carries("http://example.onion.evil.example:1"))
    }

    @Test("the settings: --proxy checked at start, --proxy-only-onion refused without it")
    func settings() async throws {
        let directory = try TemporaryDirectory()
        let home = NodeHome(path: directory.path, isExplicit: true)
        func load(_ flags: [String: String]) async throws -> NodeSettings {
            try await NodeSettings.load(flags: flags, environment: [:], configPath: nil, home: home)
        }
        let proxied = try await load(["proxy": "socks5h://127.0.0.1:9050", "proxy-only-onion": "true"])
        #expect(proxied.nodeConfiguration(home: home).proxy == PeerProxy(address: ListenAddress(host: "127.0.0.1", port: 9050), onlyOnion: true))
        #expect(try await load([:]).nodeConfiguration(home: home).proxy == nil)
        await #expect(throws: ConfigError.invalid(
            origin: "--proxy", reason: PeerProxyError.scheme("socks5://127.0.0.1:9050").description, value: nil)
        ) { try await load(["proxy": "socks5://127.0.0.1:9050"]) }
        await #expect(throws: ConfigError.invalid(
            origin: "--proxy-only-onion", reason: "needs --proxy socks5h://HOST:PORT, the proxy the .onion endpoints go through", value: nil)
        ) { try await load(["proxy-only-onion": "true"]) }
    }
}
