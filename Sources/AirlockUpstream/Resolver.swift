import AirlockCurl
import AirlockPolicy

/// Turns a destination host into candidate addresses: address literals as they are,
/// `dns.static` names from the table, everything else through the system resolver
/// (off the event loop). Airlock resolves names itself so it can check every address
/// before any connection is attempted.
public struct Resolver: Sendable {
    /// The policy's `dns.static` table.
    public let staticTable: [String: [IPAddress]]

    /// Creates a resolver over a static table.
    public init(staticTable: [String: [IPAddress]]) {
        self.staticTable = staticTable
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
            SystemDNS.lookup(name) { result in
                completion(result.map { list in list.compactMap { IPAddress(bytes: $0) } })
            }
        }
    }
}
