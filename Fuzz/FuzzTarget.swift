import CheckInCore
import Foundation
import MeetupControl
import MeetupCrypto
import MeetupNode
import MeetupProtocol

/// What `make fuzz` feeds untrusted bytes to: every decoder that reads what a peer, a phone, `meetupctl` or
/// a configuration file sends. Each must refuse bad input with an error and never crash.
enum FuzzTarget: String, CaseIterable {
    /// A sealed envelope, opened with the protocol vectors' recipient key, and its body decoded.
    case envelope
    /// A message body: the first byte picks the message type, the rest is its JSON.
    case message
    /// A contact card's text.
    case card
    /// An OwnTracks HTTP report.
    case owntracks
    /// A control API request body: the first byte picks the request, the rest is its JSON; and the
    /// `--details-stdin` lines.
    case control
    /// The YAML configuration file.
    case config

    /// The protocol vectors' recipient (Tests/MeetupProtocolTests/Vectors), so that the seeds open.
    static let recipient = try! SealingKeyPair(secretKey: Data((0x60...0x7f).map { UInt8($0) }))
    static let now = Date(timeIntervalSince1970: 1_795_000_000)

    func run(_ data: Data) {
        switch self {
        case .envelope:
            guard let envelope = try? Envelope.open(data, with: Self.recipient) else { return }
            _ = try? envelope.checkTimes(now: Self.now)
            if let type = MessageType(rawValue: envelope.typeByte) { Self.decode(type, envelope.body) }
        case .message:
            guard let first = data.first, let type = MessageType(rawValue: first) else { return }
            Self.decode(type, data.dropFirst())
        case .card:
            _ = try? ContactCard(parsing: String(decoding: data, as: UTF8.self))
        case .owntracks:
            _ = try? OwnTracksReport.parse(data, now: Self.now)
        case .control:
            Self.controlRequest(data)
        case .config:
            Self.configFile(data)
        }
    }

    private static func decode(_ type: MessageType, _ body: Data) {
        switch type {
        case .alert:
            if let message = try? WireJSON.decode(AlertMessage.self, from: body) { _ = try? Inbox.check(message) }
        case .receipt: _ = try? WireJSON.decode(ReceiptMessage.self, from: body)
        case .ack: _ = try? WireJSON.decode(AckMessage.self, from: body)
        case .resolved: _ = try? WireJSON.decode(ResolvedMessage.self, from: body)
        case .acked: _ = try? WireJSON.decode(AckedMessage.self, from: body)
        case .cardUpdate: _ = try? WireJSON.decode(CardUpdateMessage.self, from: body)
        case .replica: _ = try? WireJSON.decode(ReplicaMessage.self, from: body)
        case .heartbeat: _ = try? WireJSON.decode(HeartbeatMessage.self, from: body)
        case .livenessRequest: _ = try? WireJSON.decode(LivenessRequestMessage.self, from: body)
        case .liveness: _ = try? WireJSON.decode(LivenessMessage.self, from: body)
        case .standDown: _ = try? WireJSON.decode(StandDownMessage.self, from: body)
        case .relayedAlert: _ = try? WireJSON.decode(RelayedAlertMessage.self, from: body)
        case .mailboxFetch:
            _ = try? WireJSON.decode(MailboxFetchMessage.self, from: body)
            // A host's answer to a fetch, as the owner parses it.
            _ = MailboxBatch(parsing: Data(body))
        }
    }

    private static func controlRequest(_ data: Data) {
        guard let first = data.first else { return }
        let body = data.dropFirst()
        let decoder = ControlJSON.decoder()
        switch first % 7 {
        case 0: _ = try? decoder.decode(ArmRequest.self, from: body).parse(id: "fuzz", now: now)
        case 1: _ = try? decoder.decode(PINSetRequest.self, from: body)
        case 2: _ = try? decoder.decode(PINRequest.self, from: body)
        case 3: _ = try? decoder.decode(ExtendRequest.self, from: body)
        case 4: _ = try? decoder.decode(LocationRequest.self, from: body)
        case 5: _ = try? decoder.decode(ContactAddRequest.self, from: body)
        default: _ = try? DetailsText.parse(String(decoding: body, as: UTF8.self))
        }
    }

    /// The file is written where the daemon would read it, and read as the daemon reads it at start.
    private static func configFile(_ data: Data) {
        let directory = NSTemporaryDirectory() + "meetup-fuzz-config-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/meetupd.yaml"
        guard FileManager.default.createFile(atPath: path, contents: data) else { return }
        let done = DispatchSemaphore(value: 0)
        Task {
            _ = try? await NodeSettings.load(
                flags: [:], environment: [:], configPath: path, home: NodeHome(path: directory, isExplicit: true))
            done.signal()
        }
        done.wait()
    }
}
