import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MeetupControl
@testable import MeetupNode
import Testing

@Suite("ControlServer routes")
struct ControlServerTests {
    @Test("GET /v1/status reports the node's id, fingerprint, version and uptime from the injected clock")
    func status() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let node = try Node.forTests(in: directory, clock: clock)
        clock.advance(by: 125)
        let app = Application(router: node.controlServer.router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/status", method: .get) { response in
                #expect(response.status == .ok)
                let status = try ControlJSON.decoder().decode(NodeStatus.self, from: Data(response.body.readableBytesView))
                #expect(status.nodeID == node.keys.fingerprint.nodeID)
                #expect(status.nodeID.count == 16)
                #expect(status.fingerprint.split(separator: " ").count == 16)
                #expect(status.version == MeetupVersion.current)
                #expect(status.uptimeSeconds == 125)
                #expect(status.schemaVersion == Store.migrator.migrations.count)
                #expect(status.listen == nil)
            }
        }
    }

    @Test("a request body over the control API's limit answers 413 request_too_large, as JSON, not 500")
    func oversizedBody() async throws {
        let directory = try TemporaryDirectory()
        let node = try Node.forTests(in: directory)
        let app = Application(router: node.controlServer.router)
        try await app.test(.router) { client in
            let body = ByteBuffer(repeating: UInt8(ascii: " "), count: (8 << 20) + 1)
            try await client.execute(uri: "/v1/plans", method: .post, headers: [.contentType: "application/json"], body: body) { response in
                #expect(response.status == .contentTooLarge)
                let error = try JSONDecoder().decode(ControlErrorBody.self, from: Data(response.body.readableBytesView))
                #expect(error.error.code == "request_too_large")
                #expect(error.error.message.hasPrefix("the request body is larger than 8388608 bytes"))
            }
        }
    }

    @Test("an unknown route answers a JSON error with code route_not_found")
    func unknownRoute() async throws {
        let directory = try TemporaryDirectory()
        let node = try Node.forTests(in: directory)
        let app = Application(router: node.controlServer.router)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/nothing-here", method: .post) { response in
                #expect(response.status == .notFound)
                let body = try JSONDecoder().decode(ControlErrorBody.self, from: Data(response.body.readableBytesView))
                #expect(body.error.code == "route_not_found")
                #expect(body.error.message == "no route POST /v1/nothing-here")
            }
        }
    }
}
