import AirlockCurl
import AirlockPolicy

/// Turns a destination host into candidate addresses: address literals as they are,
/// `dns.static` names from the table, everything else through the system resolver
/// (off the event loop; through `cache`, when given). Airlock resolves names itself so it can
/// check every address before any connection is attempted.
public struct Resolver: Sendable {
    /// The policy's `dns.static` table.
    public let staticTable: [String: [IPAddress]]
    /// Recent answers of the system resolver (shared across reloads); nil asks it every time.
    public let cache: DNSCache?

    /// Creates a resolver over a static table.
    public init(staticTable: [String: [IPAddress]], cache: DNSCache? = nil) {
        self.staticTable = staticTable
        self.cache = cache
    }

    /// Resolves `host`; the completion may run on another thread.
    public func resolve(_ host: TargetURL.Host, completion: @escaping @Sendable (Result<[IPAddress], SystemDNSError>) -> Void) {
        switch host {
        case .address(let address):
            completion(.success([address]))
        case .name(let name):
            if let fixed = staticTable[name] {
                completion(.success(fixed))
                return
            }
            guard let cache else { return Self.lookup(name, completion: completion) }
            cache.resolve(name, lookup: Self.lookup, completion: completion)
        }
    }

    /// One system resolver lookup, off the calling thread.
    static func lookup(_ name: String, completion: @escaping @Sendable (Result<[IPAddress], SystemDNSError>) -> Void) {
        SystemDNS.lookup(name) { result in
            completion(result.map { list in list.compactMap { IPAddress(bytes: $0) } })
        }
    }
}
