import CheckInCore
import CoreMetrics
import Foundation
import Prometheus

/// The node's Prometheus metrics (docs/SELF-HOSTING.md, "Metrics"), made through swift-metrics with a
/// factory of this node's own registry, so that several nodes in one process (tests) never share one.
/// Labels are reasons, codes, states, types and hook kinds: never ids, names, places or keys. Silent alerts
/// (duress, PIN failures) and messages about them count nowhere, as they leave no log line.
final class NodeMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        let seconds: [Double] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3_600]
        let buckets = seconds.map { Duration.milliseconds(Int64($0 * 1_000)) }
        factory.durationHistogramBuckets = [Self.deliveryLatency: buckets, Self.schedulerLateness: buckets]
        self.factory = factory
    }

    static let deliveryLatency = "meetup_delivery_latency_seconds"
    static let schedulerLateness = "meetup_scheduler_lateness_seconds"

    func alertRaised(reason: String) {
        CoreMetrics.Counter(label: "meetup_alerts_raised_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    func envelopeAccepted() {
        CoreMetrics.Counter(label: "meetup_envelopes_accepted_total", factory: factory).increment()
    }

    func envelopeRefused(code: String) {
        CoreMetrics.Counter(label: "meetup_envelopes_refused_total", dimensions: [("reason", code)], factory: factory).increment()
    }

    func envelopeDelivered(type: String, after latency: TimeInterval) {
        CoreMetrics.Counter(label: "meetup_envelopes_delivered_total", dimensions: [("type", type)], factory: factory).increment()
        CoreMetrics.Timer(label: Self.deliveryLatency, factory: factory).recordNanoseconds(Self.nanoseconds(latency))
    }

    func schedulerLate(by lateness: TimeInterval) {
        CoreMetrics.Timer(label: Self.schedulerLateness, factory: factory).recordNanoseconds(Self.nanoseconds(lateness))
    }

    func hookFailed(kind: String) {
        CoreMetrics.Counter(label: "meetup_hook_failures_total", dimensions: [("hook", kind)], factory: factory).increment()
    }

    /// The gauges read from the store at each scrape.
    func setGauges(plans: [Phase: Int], outboxDepth: Int, outboxOldest: TimeInterval?) {
        for phase in Phase.allCases {
            CoreMetrics.Gauge(label: "meetup_plans", dimensions: [("state", phase.rawValue)], factory: factory)
                .record(Double(plans[phase] ?? 0))
        }
        CoreMetrics.Gauge(label: "meetup_outbox_depth", factory: factory).record(Double(outboxDepth))
        CoreMetrics.Gauge(label: "meetup_outbox_oldest_seconds", factory: factory).record(outboxOldest ?? 0)
    }

    /// The text exposition format.
    func exposition() -> String {
        registry.emitToString()
    }

    private static func nanoseconds(_ seconds: TimeInterval) -> Int64 {
        Int64(max(0, min(seconds, 1e9)) * 1e9)
    }
}

extension Node {
    /// Reads the gauges' values from the store, then renders every metric.
    func metricsExposition() throws -> String {
        let plans = try store.planCountsByPhase()
        let backlog = try store.outboxBacklog()
        metrics.setGauges(plans: plans, outboxDepth: backlog.count, outboxOldest: backlog.oldest.map { clock.now.timeIntervalSince($0) })
        return metrics.exposition()
    }
}
