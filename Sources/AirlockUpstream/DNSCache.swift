import AirlockCurl
import AirlockPolicy
import Dispatch
import Foundation

/// Answers of the system resolver, reused for a few seconds, and one lookup at a time per name.
///
/// Without it every call to a named upstream was a `getaddrinfo` of its own: a round trip to the
/// resolver per call, and under a flood of calls to a slow-resolving name, one blocked thread per
/// call. Now concurrent calls for a name wait for the one lookup in flight, and its answer serves
/// the calls of the next `ttl` (shorter than nearly every DNS TTL). Safety does not depend on the
/// answer's age: every address is checked by the address guard on every call, and again by libcurl
/// at connect time. Failures are not kept.
public final class DNSCache: @unchecked Sendable {
    /// How long an answer is reused.
    private let ttlNanoseconds: UInt64
    private let lock = NSLock()
    /// Each answer with its expiry and how many times it was handed out since (for the rotation).
    private var answers: [String: (addresses: [IPAddress], expires: UInt64, served: Int)] = [:]
    private var waiting: [String: [@Sendable (Result<[IPAddress], SystemDNSError>) -> Void]] = [:]
    private var lookups = 0
    private var hits = 0
    /// The most names kept: past it, expired answers are dropped, then all of them.
    static let capacity = 4096

    /// A cache that reuses answers for `ttl` (5 s by default).
    public init(ttl: Duration = .seconds(5)) {
        let (seconds, attoseconds) = ttl.components
        // At most a day: a larger one could only overflow the nanoseconds.
        ttlNanoseconds = UInt64(min(max(0, seconds), 86_400)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    /// The addresses of `name`: a fresh answer at once, else after the lookup in flight for it, or a new one.
    func resolve(_ name: String, lookup: @escaping @Sendable (String, @escaping @Sendable (Result<[IPAddress], SystemDNSError>) -> Void) -> Void,
                 completion: @escaping @Sendable (Result<[IPAddress], SystemDNSError>) -> Void) {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.lock()
        if let answer = answers[name], answer.expires > now {
            hits += 1
            // Rotated on each reuse, as a round-robin DNS answer would be: a tunnel connects to the first
            // address, and a name's tunnels must not all go to one address (a dead one) for the whole ttl.
            let shift = answer.served % max(1, answer.addresses.count)
            answers[name]?.served = answer.served &+ 1
            lock.unlock()
            completion(.success(shift == 0 ? answer.addresses : Array(answer.addresses[shift...] + answer.addresses[..<shift])))
            return
        }
        if waiting[name] != nil {
            hits += 1
            waiting[name, default: []].append(completion)
            lock.unlock()
            return
        }
        waiting[name] = [completion]
        lookups += 1
        lock.unlock()
        lookup(name) { [self] result in
            lock.lock()
            let callers = waiting.removeValue(forKey: name) ?? []
            if case .success(let addresses) = result {
                if answers.count >= Self.capacity {
                    let now = DispatchTime.now().uptimeNanoseconds
                    answers = answers.filter { $0.value.expires > now }
                    if answers.count >= Self.capacity { answers.removeAll(keepingCapacity: true) }
                }
                answers[name] = (addresses, DispatchTime.now().uptimeNanoseconds &+ ttlNanoseconds, 1)
            }
            lock.unlock()
            for caller in callers { caller(result) }
        }
    }

    /// Lookups sent to the system resolver, and resolutions served without one (a fresh answer, or
    /// one already in flight).
    public var counts: (lookups: Int, hits: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (lookups, hits)
    }

    /// The counts in the Prometheus text format.
    public var prometheus: String {
        let (lookups, hits) = counts
        return """
            # HELP airlock_dns_lookups_total Names sent to the system resolver (dns.static names and address literals never are).
            # TYPE airlock_dns_lookups_total counter
            airlock_dns_lookups_total \(lookups)
            # HELP airlock_dns_cache_hits_total Resolutions served by a recent answer or by the lookup already in flight for the name.
            # TYPE airlock_dns_cache_hits_total counter
            airlock_dns_cache_hits_total \(hits)

            """
    }
}
