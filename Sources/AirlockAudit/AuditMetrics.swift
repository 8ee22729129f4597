import Foundation

/// Counters over the audit events, for `/_airlock/metrics` (Prometheus text format).
///
/// Fed by the audit writer thread, one lock per batch it writes, so the event loops pay nothing:
/// every decision is counted exactly when its record is written, and the counts agree with the log.
/// Labels are the upstream, the decision and the reason, whose values the policy and the reason
/// codes bound, so the number of series is bounded too.
public final class AuditMetrics: @unchecked Sendable {
    private struct Key: Hashable {
        let upstream: String
        let decision: String
        let reason: String
    }

    /// Upper bounds of the duration buckets, in seconds.
    static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    private struct Histogram {
        var buckets = [Int](repeating: 0, count: AuditMetrics.bounds.count)
        var count = 0
        var sum = 0.0

        mutating func add(_ seconds: Double) {
            count += 1
            sum += seconds
            if let index = AuditMetrics.bounds.firstIndex(where: { seconds <= $0 }) { buckets[index] += 1 }
        }
    }

    private let lock = NSLock()
    private var decisions: [Key: Int] = [:]
    private var durations: [String: Histogram] = [:]
    private var written = 0
    private var unwritten = 0
    private var lastWriteFailed = false

    /// Empty counters.
    public init() {}

    /// Counts a batch of events that was written (`failed`: the write to the file failed, and the
    /// events count as unwritten only, so that the decision counts stay those of the log).
    func add(_ events: some Sequence<AuditEvent>, failed: Bool) {
        lock.lock()
        defer { lock.unlock() }
        lastWriteFailed = failed
        guard !failed else {
            for _ in events { unwritten += 1 }
            return
        }
        for event in events {
            written += 1
            let upstream = event.upstream ?? ""
            decisions[Key(upstream: upstream, decision: event.decision, reason: event.reason ?? ""), default: 0] += 1
            durations[upstream, default: Histogram()].add(event.durationMs / 1000)
        }
    }

    /// Whether the last write to the audit log failed (health then says so; the next write that
    /// succeeds clears it).
    public var failing: Bool {
        lock.lock()
        defer { lock.unlock() }
        return lastWriteFailed
    }

    /// The counters in the Prometheus text exposition format (version 0.0.4), with `gauges`
    /// (upstream → calls in flight) added.
    public func prometheus(inFlight: [String: Int]) -> String {
        lock.lock()
        let decisions = self.decisions, durations = self.durations, written = self.written, unwritten = self.unwritten
        lock.unlock()
        var out = """
            # HELP airlock_decisions_total Decisions recorded in the audit log, by upstream, decision and reason.
            # TYPE airlock_decisions_total counter

            """
        for (key, count) in decisions.sorted(by: { ($0.key.upstream, $0.key.decision, $0.key.reason) < ($1.key.upstream, $1.key.decision, $1.key.reason) }) {
            out += "airlock_decisions_total{upstream=\"\(Self.escaped(key.upstream))\",decision=\"\(Self.escaped(key.decision))\",reason=\"\(Self.escaped(key.reason))\"} \(count)\n"
        }
        out += """
            # HELP airlock_decision_duration_seconds Time from request head to decision or answer, by upstream.
            # TYPE airlock_decision_duration_seconds histogram

            """
        for (upstream, histogram) in durations.sorted(by: { $0.key < $1.key }) {
            let label = "upstream=\"\(Self.escaped(upstream))\""
            var cumulative = 0
            for (bound, count) in zip(Self.bounds, histogram.buckets) {
                cumulative += count
                out += "airlock_decision_duration_seconds_bucket{\(label),le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "airlock_decision_duration_seconds_bucket{\(label),le=\"+Inf\"} \(histogram.count)\n"
            out += "airlock_decision_duration_seconds_sum{\(label)} \(histogram.sum)\n"
            out += "airlock_decision_duration_seconds_count{\(label)} \(histogram.count)\n"
        }
        out += """
            # HELP airlock_calls_in_flight Calls and CONNECT tunnels in flight, by upstream.
            # TYPE airlock_calls_in_flight gauge

            """
        for (upstream, count) in inFlight.sorted(by: { $0.key < $1.key }) {
            out += "airlock_calls_in_flight{upstream=\"\(Self.escaped(upstream))\"} \(count)\n"
        }
        out += """
            # HELP airlock_audit_events_total Audit events written to the audit log.
            # TYPE airlock_audit_events_total counter
            airlock_audit_events_total \(written)
            # HELP airlock_audit_write_errors_total Audit events whose write to the audit log failed (reported on stderr; an allowed answer behind one was withheld).
            # TYPE airlock_audit_write_errors_total counter
            airlock_audit_write_errors_total \(unwritten)

            """
        return out
    }

    /// A label value with `\`, `"` and newlines escaped.
    static func escaped(_ value: String) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        return value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
