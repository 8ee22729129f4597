import AirlockCore
import AirlockPolicy
import Foundation

/// Each client's calls to each upstream, held to the upstream's `limits.rate` by a token bucket:
/// `burst` calls at once, refilled at the rate. A client is its policy name when it was
/// identified, else its address. An upstream without a rate costs nothing here.
///
/// Memory is bounded: at most `maxTracked` buckets. A full bucket is the same as none, so when
/// the table is full the full ones are dropped; if every tracked client is still mid-burst, a new
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

        /// The tokens at `now`: what was left plus the refill since, at most a burst.
        func tokens(at now: UInt64) -> Double {
            min(Double(rate.burst), tokens + Double(now &- updated) / 1e9 * rate.perSecond)
        }
    }

    /// Most buckets kept at once.
    public let maxTracked: Int
    private let lock = NSLock()
    private var buckets: [Key: Bucket] = [:]

    /// An empty table.
    public init(maxTracked: Int = 65_536) {
        self.maxTracked = maxTracked
    }

    /// Takes one call from `client`'s bucket for `upstream`: nil when the call may go, else the
    /// refusal, which says when the next call would pass.
    public func take(_ upstream: Upstream, client: String, now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Denial? {
        guard let rate = upstream.limits.rate else { return nil }
        let key = Key(upstream: upstream.name, client: client)
        lock.lock()
        defer { lock.unlock() }
        var bucket: Bucket
        if let existing = buckets[key] {
            bucket = existing
            bucket.tokens = bucket.tokens(at: now)
            bucket.updated = now
        } else {
            if buckets.count >= maxTracked {
                buckets = buckets.filter { $0.value.tokens(at: now) < Double($0.value.rate.burst) }
            }
            guard buckets.count < maxTracked else {
                return Denial(.rateLimited, "Airlock is tracking \(maxTracked) clients in mid-burst already; retry shortly", retryAfter: 1)
            }
            bucket = Bucket(tokens: Double(rate.burst), updated: now, rate: rate)
        }
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            let wait = (1 - bucket.tokens) / rate.perSecond
            return Denial(.rateLimited, "client '\(client)' is over upstream '\(upstream.name)' limits.rate \(rate.description)",
                          retryAfter: max(1, Int(wait.rounded(.up))))
        }
        bucket.tokens -= 1
        buckets[key] = bucket
        return nil
    }

    /// How many buckets are tracked (for tests).
    public var tracked: Int {
        lock.lock()
        defer { lock.unlock() }
        return buckets.count
    }
}
