import AirlockCore
import AirlockPolicy
import AirlockUpstream
import Testing

/// The per-client token bucket, on a clock the test moves by hand.
struct RateLimiterTests {
    static func upstream(_ name: String, rate: Limits.Rate?) throws -> Upstream {
        var limits = Limits.defaults
        limits.rate = rate
        return Upstream(name: name, url: try URLParser.parse("https://\(name).example.com"), hosts: [], ports: [443], methods: ["GET"],
                        paths: [PathPattern("/**")!], tunnel: .deny, mode: .enforce, allowAddresses: [], redirects: .block,
                        limits: limits, source: "test")
    }

    static let second: UInt64 = 1_000_000_000

    @Test func bucketsRefillAtTheRateAndSayWhenToRetry() throws {
        let limiter = RateLimiter()
        let api = try Self.upstream("api", rate: Limits.Rate(calls: 2, seconds: 1, burst: 3))
        let t0: UInt64 = 1_000 * Self.second
        for _ in 0..<3 { #expect(limiter.take(api, client: "a", named: true, now: t0) == nil) }
        let refused = try #require(limiter.take(api, client: "a", named: true, now: t0))
        #expect(refused.reason == .rateLimited && refused.retryAfter == 1)
        #expect(limiter.take(api, client: "b", named: true, now: t0) == nil, "every client has its own bucket")
        #expect(limiter.take(api, client: "a", named: true, now: t0 - Self.second) != nil, "a clock read before the last update refills nothing")
        #expect(limiter.take(api, client: "a", named: true, now: t0 + Self.second / 4) != nil, "half a call refilled is not a call")
        #expect(limiter.take(api, client: "a", named: true, now: t0 + Self.second / 2) == nil, "one call refilled after 0.5 s at 2/s")
        #expect(limiter.take(api, client: "a", named: true, now: t0 + Self.second / 2) != nil)
        for _ in 0..<3 { #expect(limiter.take(api, client: "a", named: true, now: t0 + 100 * Self.second) == nil) }
        #expect(limiter.take(api, client: "a", named: true, now: t0 + 100 * Self.second) != nil, "refill stops at the burst")

        let slow = try Self.upstream("slow", rate: Limits.Rate(calls: 1, seconds: 3600))
        #expect(limiter.take(slow, client: "a", named: true, now: t0) == nil)
        #expect(limiter.take(slow, client: "a", named: true, now: t0 + 600 * Self.second)?.retryAfter == 3000)
        let free = try Self.upstream("free", rate: nil)
        for _ in 0..<1000 { #expect(limiter.take(free, client: "a", named: true, now: t0) == nil) }
    }

    @Test func theTableIsBoundedAndDropsOnlyFullBuckets() throws {
        let limiter = RateLimiter(maxTracked: 4)
        let api = try Self.upstream("api", rate: Limits.Rate(calls: 10, seconds: 1, burst: 2))
        let t0: UInt64 = 1_000 * Self.second
        for client in ["a", "b", "c", "d"] { #expect(limiter.take(api, client: client, named: false, now: t0) == nil) }
        // Every tracked caller is mid-burst: a fifth is refused rather than the table growing.
        let full = try #require(limiter.take(api, client: "e", named: false, now: t0))
        #expect(full.reason == .rateLimited && full.detail.contains("tracking 4 unidentified callers"))
        #expect(limiter.tracked == 4)
        #expect(limiter.take(api, client: "billing", named: true, now: t0) == nil, "named clients have a table of their own")
        // Half a second later the buckets are full again (10/s), but the table is scanned at most once a second.
        #expect(limiter.take(api, client: "e", named: false, now: t0 + Self.second / 2) != nil)
        // A second after the last scan, the full buckets (the same as untracked) are dropped.
        #expect(limiter.take(api, client: "e", named: false, now: t0 + Self.second) == nil)
        #expect(limiter.tracked == 1)
    }

    @Test func unidentifiedIPv6CallersAreKeyedByTheirSlash64() {
        #expect(RateLimiter.key(address: IPAddress("2001:db8:1:2:3:4:5:6"), text: "2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64")
        #expect(RateLimiter.key(address: IPAddress("10.1.2.3"), text: "10.1.2.3") == "10.1.2.3")
        #expect(RateLimiter.key(address: nil, text: "-") == "-")
        // IPv4 callers on a dual-stack listener keep a bucket each, not one shared by ::ffff:0:0/64.
        #expect(RateLimiter.key(address: IPAddress("::ffff:10.1.2.3"), text: "::ffff:10.1.2.3") == "10.1.2.3")
        #expect(RateLimiter.key(address: IPAddress("::ffff:10.1.2.4"), text: "::ffff:10.1.2.4") == "10.1.2.4")
    }
}
