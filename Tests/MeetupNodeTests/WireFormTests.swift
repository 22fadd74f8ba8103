import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MeetupControl
import MeetupCrypto
@testable import MeetupNode
import MeetupProtocol
import NIOCore
import Testing

/// What docs/PROTOCOL.md now says a receiver refuses: ids and nonces in other forms, a heartbeat of a plan
/// on watch without its deadline, and any request target but the exact `/v1/envelope`.
@Suite("wire forms")
struct WireFormTests {
    let fixture: NodeFixture
    let ana = TestPeer()
    var node: Node { fixture.node }
    var now: Date { fixture.clock.now }

    init() throws {
        fixture = try NodeFixture()
        try fixture.addPeer(ana, as: "Ana", guardian: true)
    }

    func refusal(_ type: MessageType, _ json: String) -> EnvelopeError? {
        let sealed = Envelope(type: type, created: now, expires: now.addingTimeInterval(3600), sender: ana.signing.publicKey, body: Data(json.utf8))
            .seal(signer: ana.signing, to: node.keys.sealing.publicKey)
        if case let .refused(error) = node.inbox.receive(sealed) { return error }
        return nil
    }

    @Test("a plan or alert id that is not 1 to 64 of [A-Za-z0-9_-], in any body, is unreadable")
    func ids() {
        let bad = EnvelopeError.badBody("alert and plan must be short ids")
        #expect(refusal(.resolved, #"{"plan":"no plan!","state":"done","at":"2026-11-24T21:20:00Z"}"#) == bad)
        #expect(refusal(.resolved, #"{"plan":"","state":"done","at":"2026-11-24T21:20:00Z"}"#) == bad)
        #expect(refusal(.ack, #"{"alert":"a b","plan":"p","acked_at":"2026-11-24T21:20:00Z"}"#) == bad)
        #expect(refusal(.standDown, #"{"plan":"\#(String(repeating: "p", count: 65))","reason":"done"}"#) == bad)
        #expect(refusal(.resolved, #"{"plan":"4u4ljkvrxvjps","state":"done","at":"2026-11-24T21:20:00Z"}"#) == nil, "a good id is taken")
    }

    @Test("a heartbeat of an active plan without a deadline, and a liveness request whose nonce is not 32 hex digits, are unreadable")
    func heartbeatsAndNonces() {
        #expect(refusal(.heartbeat, #"{"plan":"p1","seq":3,"phase":"active","at":"2026-11-24T21:00:00Z","kind":"check-in"}"#)
            == .badBody("a heartbeat of a plan on watch names its deadline"))
        #expect(refusal(.livenessRequest, #"{"plan":"p1","nonce":"not hex"}"#) == .badBody("the nonce is 32 lowercase hex digits"))
        #expect(refusal(.livenessRequest, #"{"plan":"p1","nonce":"000102030405060708090A0B0C0D0E0F"}"#) == .badBody("the nonce is 32 lowercase hex digits"))
        #expect(refusal(.livenessRequest, #"{"plan":"p1","nonce":"000102030405060708090a0b0c0d0e0f"}"#)
            == .badBody("no such plan that this contact guards"), "the refusal does not echo the peer's text")
    }

    @Test("only the exact target /v1/envelope takes an envelope: a trailing or doubled slash, a query, another case are 404")
    func exactTarget() async throws {
        let app = Application(router: node.peerServer.router)
        try await app.test(.router) { client in
            for path in ["/v1/envelope/", "//v1/envelope", "/v1//envelope", "/v1/envelope?x=1", "/V1/envelope"] {
                let status = try await client.execute(uri: path, method: .post, body: ByteBuffer(string: "x")) { $0.status }
                #expect(status == .notFound, "\(path)")
            }
            let status = try await client.execute(uri: "/v1/envelope", method: .post, body: ByteBuffer(string: "x")) { $0.status }
            #expect(status.code == 421, "not an envelope for this node: refused, not 404")
        }
    }
}
