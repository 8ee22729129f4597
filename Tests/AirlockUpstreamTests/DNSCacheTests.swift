import AirlockCurl
import AirlockPolicy
import Foundation
import Synchronization
import Testing
@testable import AirlockUpstream

/// The cache in front of the system resolver: concurrent resolutions of a name share one lookup,
/// a fresh answer is reused (its addresses in turn), a failure is not kept, and an answer expires. (The lookup here is a
/// function the test controls, as a slow resolver cannot be made on loopback; the end-to-end test
/// `systemResolverAnswersAreReusedBriefly` uses the real one.)
@Suite struct DNSCacheTests {
    @Test func concurrentResolutionsShareOneLookupAndFailuresAreNotKept() async throws {
        let cache = DNSCache(ttl: .milliseconds(300))
        let started = Mutex(0)
        let pending = Mutex<[@Sendable (Result<[IPAddress], SystemDNSError>) -> Void]>([])
        let lookup: @Sendable (String, @escaping @Sendable (Result<[IPAddress], SystemDNSError>) -> Void) -> Void = { _, done in
            started.withLock { $0 += 1 }
            pending.withLock { $0.append(done) }
        }
        let answered = Mutex<[Result<[IPAddress], SystemDNSError>]>([])
        for _ in 0..<10 { cache.resolve("api.example.com", lookup: lookup) { result in answered.withLock { $0.append(result) } } }
        #expect(started.withLock { $0 } == 1 && answered.withLock { $0.isEmpty }, "ten callers wait for one lookup")
        let address = try #require(IPAddress("93.184.215.14"))
        pending.withLock { $0.removeFirst() }(.success([address]))
        #expect(answered.withLock { $0.count } == 10 && answered.withLock { $0 }.allSatisfy { (try? $0.get()) == [address] })
        cache.resolve("api.example.com", lookup: lookup) { result in answered.withLock { $0.append(result) } }
        #expect(started.withLock { $0 } == 1 && answered.withLock { $0.count } == 11, "a fresh answer is reused at once")
        #expect(cache.counts.lookups == 1 && cache.counts.hits == 10)

        // Several addresses are handed out in turn, as round-robin DNS would.
        let a = try #require(IPAddress("93.184.215.1")), b = try #require(IPAddress("93.184.215.2")), c = try #require(IPAddress("93.184.215.3"))
        let firsts = Mutex<[IPAddress]>([])
        cache.resolve("many.example.com", lookup: lookup) { result in firsts.withLock { $0.append((try? result.get())?.first ?? a) } }
        pending.withLock { $0.removeFirst() }(.success([a, b, c]))
        for _ in 0..<3 { cache.resolve("many.example.com", lookup: lookup) { result in firsts.withLock { $0.append((try? result.get())?.first ?? a) } } }
        #expect(firsts.withLock { $0 } == [a, b, c, a])

        // A failure reaches its callers and is not kept.
        cache.resolve("down.example.com", lookup: lookup) { _ in }
        pending.withLock { $0.removeFirst() }(.failure(SystemDNSError(message: "no such name")))
        cache.resolve("down.example.com", lookup: lookup) { _ in }
        #expect(started.withLock { $0 } == 4, "api, many, and down twice")

        // An answer expires after the ttl.
        try await Task.sleep(for: .milliseconds(400))
        cache.resolve("api.example.com", lookup: lookup) { _ in }
        #expect(started.withLock { $0 } == 5)
    }
}
