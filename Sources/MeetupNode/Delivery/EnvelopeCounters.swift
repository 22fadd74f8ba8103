import MeetupControl
import Synchronization

/// Envelopes accepted and refused (by code) since the node started, for `status`.
final class EnvelopeCounters: Sendable {
    private let counts = Mutex<(accepted: Int, refused: [String: Int])>((0, [:]))
    private let metrics: NodeMetrics

    init(metrics: NodeMetrics) {
        self.metrics = metrics
    }

    func accepted() {
        counts.withLock { $0.accepted += 1 }
        metrics.envelopeAccepted()
    }

    func refused(_ code: String) {
        counts.withLock { $0.refused[code, default: 0] += 1 }
        metrics.envelopeRefused(code: code)
    }

    var snapshot: NodeStatus.Envelopes {
        counts.withLock { NodeStatus.Envelopes(accepted: $0.accepted, refused: $0.refused) }
    }
}

/// A counting limit on envelope bodies read at once.
final class EnvelopeSlots: Sendable {
    static let concurrentLimit = 16
    private let inUse = Mutex(0)

    func take() -> Bool {
        inUse.withLock { count in
            guard count < Self.concurrentLimit else { return false }
            count += 1
            return true
        }
    }

    func give() {
        inUse.withLock { $0 -= 1 }
    }
}
