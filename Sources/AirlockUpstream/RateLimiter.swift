import AirlockCore
import AirlockPolicy
import Foundation

/// Each client's calls to each upstream, held to the upstream's `limits.rate` by a token bucket:
/// `burst` calls at once, refilled at the rate. A client is its policy name when it was
/// identified, else its address (an IPv6 address by its /64, which one host can fill with
/// addresses of its own). An upstream without a rate costs nothing here.
///
/// Memory is bounded. Named clients have a table of their own, as large as the policy makes it.
/// Unidentified callers share at most `maxTracked` buckets: a full bucket is the same as none, so
/// when the table is full the full ones are dropped (at most once a second, so a flood of new
/// addresses cannot make every call scan it); if the callers tracked are all still mid-burst, a new
/// one is refused (`rate_limited`, fail closed) rather than the table growing without end.
public final class RateLimiter: @unchecked Sendable {
    private struct Key: Hashable {
        let upstream: String
        let client: String
    }

    private struct Bucket {
        var tokens: Double
        var updated: UInt64      // monotonic ns
        let rate: Limits.Rate    // its upstream's, so a prune can judge every bucket by its own

        /// The tokens at `now`: what was left plus the refill since, at most a burst. A `now`
        /// older than the last update (a clock read before another thread took the lock) refills nothing.
        func tokens(at now: UInt64) -> Double {
            let elapsed = now > updated ? now - updated : 0
            return min(Double(rate.burst), tokens + Double(elapsed) / 1e9 * rate.perSecond)
        }
    }

    /// Most buckets of unidentified callers kept at once.
    public let maxTracked: Int
    private let lock = NSLock()
    private var named: [Key: Bucket] = [:]
    private var anonymous: [Key: Bucket] = [:]
    private var lastPrune: UInt64 = 0

    /// An empty table.
    public init(maxTracked: Int = 65_536) {
        self.maxTracked = maxTracked
    }

    /// The key of an unidentified caller at `address`: the address, or for IPv6 its /64. An IPv4
    /// caller on a dual-stack listener (`::ffff:a.b.c.d`) is keyed by its IPv4 address, not by the
    /// one /64 that every such caller shares.
    public static func key(address: IPAddress?, text: String) -> String {
        guard let address else { return text }
        let plain = ClientDirectory.unmapped(address)
        if plain.isV4 { return plain.description }
        return CIDR(network: plain, prefixLength: 64).description
    }

    /// Takes one call from `client`'s bucket for `upstream` (`named`: a policy client name, else an
    /// unidentified caller's key): nil when the call may go, else the refusal, which says when the
    /// next call would pass.
    public func take(_ upstream: Upstream, client: String, named isNamed: Bool, now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Denial? {
        guard let rate = upstream.limits.rate else { return nil }
        let key = Key(upstream: upstream.name, client: client)
        lock.lock()
        defer { lock.unlock() }
        var bucket: Bucket
        if let existing = isNamed ? named[key] : anonymous[key] {
            // A reload that changed the rate: what the client had left carries over, up to the new burst.
            bucket = Bucket(tokens: min(existing.tokens(at: now), Double(rate.burst)), updated: max(existing.updated, now), rate: rate)
        } else {
            if !isNamed && anonymous.count >= maxTracked {
                if now &- lastPrune >= 1_000_000_000 || lastPrune == 0 {
                    lastPrune = now
                    anonymous = anonymous.filter { $0.value.tokens(at: now) < Double($0.value.rate.burst) }
                }
                guard anonymous.count < maxTracked else {
                    return Denial(.rateLimited, "Airlock is tracking \(maxTracked) unidentified callers in mid-burst already; retry shortly", retryAfter: 1)
                }
            }
            bucket = Bucket(tokens: Double(rate.burst), updated: now, rate: rate)
        }
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        if isNamed { named[key] = bucket } else { anonymous[key] = bucket }
        guard allowed else {
            let wait = (1 - bucket.tokens) / rate.perSecond
            return Denial(.rateLimited, "client '\(client)' is over upstream '\(upstream.name)' limits.rate \(rate.description)",
                          retryAfter: max(1, Int(wait.rounded(.up))))
        }
        return nil
    }

    /// After a reload to `policy`: the buckets of upstreams it no longer names, or names without a
    /// rate, are dropped (a rate a reload brings back starts with a full burst).
    public func adopt(_ policy: Policy) {
        let limited = Set(policy.upstreams.filter { $0.limits.rate != nil }.map(\.name))
        lock.lock()
        defer { lock.unlock() }
        named = named.filter { limited.contains($0.key.upstream) }
        anonymous = anonymous.filter { limited.contains($0.key.upstream) }
    }

    /// How many buckets of unidentified callers are tracked (for tests).
    public var tracked: Int {
        lock.lock()
        defer { lock.unlock() }
        return anonymous.count
    }
}
