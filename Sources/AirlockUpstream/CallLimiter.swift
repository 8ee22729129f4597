import AirlockCore
import AirlockPolicy
import Foundation

/// Each upstream's calls and tunnels in flight, held to its `limits.concurrent_calls`: a
/// bulkhead, so that a slow or flooded upstream cannot take every connection, buffer and
/// transfer from the others. A call counts against the upstream it was routed to and, while
/// it follows a redirect to another upstream, against that one too.
public final class CallLimiter: @unchecked Sendable {
    private final class Counter {
        var taken = 0          // under the limiter's lock
    }

    private let lock = NSLock()
    private let counters: [String: Counter]

    /// One counter per upstream of `policy`, made once.
    public init(policy: Policy) {
        counters = Dictionary(policy.upstreams.map { ($0.name, Counter()) }, uniquingKeysWith: { a, _ in a })
    }

    /// Takes one of `upstream`'s slots; false, taking nothing, when all are in use (an upstream
    /// the policy does not name has none).
    public func acquire(_ upstream: Upstream) -> Bool {
        guard let counter = counters[upstream.name] else { return false }
        lock.lock()
        defer { lock.unlock() }
        guard counter.taken < upstream.limits.concurrentCalls else { return false }
        counter.taken += 1
        return true
    }

    /// Gives back a slot that `acquire` took.
    public func release(_ upstream: Upstream) {
        guard let counter = counters[upstream.name] else { return }
        lock.lock()
        counter.taken -= 1
        lock.unlock()
    }

    /// The refusal when `upstream` has no slot free.
    public func denial(_ upstream: Upstream) -> Denial {
        Denial(.concurrencyLimitExceeded, "\(upstream.name) already has \(upstream.limits.concurrentCalls) calls and tunnels in flight (limits.concurrent_calls)")
    }
}
