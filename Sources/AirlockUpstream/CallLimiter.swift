import AirlockCore
import AirlockPolicy
import Foundation

/// Each upstream's calls and tunnels in flight, held to its `limits.concurrent_calls`: a
/// bulkhead, so that a slow or flooded upstream cannot take every connection, buffer and
/// transfer from the others. A call counts against the upstream it was routed to and, while
/// it follows a redirect to another upstream, against that one too. Counters are kept by
/// upstream name across policy reloads: a call in flight gives its slot back to the same counter
/// that new calls take from, and a reloaded limit applies to the calls already counted.
public final class CallLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private var taken: [String: Int] = [:]      // under `lock`

    /// One counter per upstream of `policy`, made once (an upstream a reload adds gets one then).
    public init(policy: Policy) {
        taken = Dictionary(policy.upstreams.map { ($0.name, 0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Takes one of `upstream`'s slots; false, taking nothing, when all are in use.
    public func acquire(_ upstream: Upstream) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let inUse = taken[upstream.name, default: 0]
        guard inUse < upstream.limits.concurrentCalls else { return false }
        taken[upstream.name] = inUse + 1
        return true
    }

    /// Calls and tunnels in flight now, by upstream name.
    public func inUse() -> [String: Int] {
        lock.lock()
        defer { lock.unlock() }
        return taken
    }

    /// Gives back a slot that `acquire` took.
    public func release(_ upstream: Upstream) {
        lock.lock()
        taken[upstream.name, default: 1] -= 1
        lock.unlock()
    }

    /// The refusal when `upstream` has no slot free.
    public func denial(_ upstream: Upstream) -> Denial {
        Denial(.concurrencyLimitExceeded, "\(upstream.name) already has \(upstream.limits.concurrentCalls) calls and tunnels in flight (limits.concurrent_calls)")
    }
}
