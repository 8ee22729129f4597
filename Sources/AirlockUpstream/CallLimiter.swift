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
    private var current: Set<String>             // the running policy's upstream names, under `lock`

    /// One counter per upstream of `policy`, made once (an upstream a reload adds gets one then).
    public init(policy: Policy) {
        current = Set(policy.upstreams.map(\.name))
        taken = Dictionary(current.map { ($0, 0) }, uniquingKeysWith: { a, _ in a })
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

    /// After a reload to `policy`: every upstream it names has a counter (at 0 if new), and the
    /// counters of upstreams it no longer names go once their last call or tunnel has ended, so
    /// the in-flight gauge shows the upstreams that exist.
    public func adopt(_ policy: Policy) {
        let names = Set(policy.upstreams.map(\.name))
        lock.lock()
        current = names
        taken = taken.filter { names.contains($0.key) || $0.value > 0 }
        for name in names where taken[name] == nil { taken[name] = 0 }
        lock.unlock()
    }

    /// Gives back a slot that `acquire` took. The counter of an upstream a reload removed goes with its last call.
    public func release(_ upstream: Upstream) {
        lock.lock()
        taken[upstream.name, default: 1] -= 1
        if taken[upstream.name] == 0, !current.contains(upstream.name) { taken[upstream.name] = nil }
        lock.unlock()
    }

    /// The refusal when `upstream` has no slot free.
    public func denial(_ upstream: Upstream) -> Denial {
        Denial(.concurrencyLimitExceeded, "\(upstream.name) already has \(upstream.limits.concurrentCalls) calls and tunnels in flight (limits.concurrent_calls)")
    }
}
