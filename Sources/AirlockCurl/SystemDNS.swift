import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The system resolver (`getaddrinfo`), wrapped so no caller sees a C type.
///
/// It blocks, so callers run it off the event loop (`SystemDNS.lookup` does so itself).
public enum SystemDNS {
    private static let queue = DispatchQueue(label: "airlock-dns", attributes: .concurrent)

    /// Resolves `host` on a background queue; the completion gets the addresses as 4- or
    /// 16-byte arrays (in resolver order, duplicates removed), or a message on failure.
    public static func lookup(_ host: String, completion: @escaping @Sendable (Result<[[UInt8]], SystemDNSError>) -> Void) {
        queue.async { completion(resolve(host)) }
    }

    /// Resolves synchronously (blocking): for the CLI and tests only.
    public static func resolve(_ host: String) -> Result<[[UInt8]], SystemDNSError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, nil, &hints, &list)
        guard rc == 0 else { return .failure(SystemDNSError(message: String(cString: gai_strerror(rc)))) }
        defer { freeaddrinfo(list) }
        var out: [[UInt8]] = []
        var node = list
        while let entry = node?.pointee {
            if let addr = entry.ai_addr {
                var bytes: [UInt8] = []
                if entry.ai_family == AF_INET {
                    addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                        withUnsafeBytes(of: sin.pointee.sin_addr) { bytes = Array($0) }
                    }
                } else if entry.ai_family == AF_INET6 {
                    addr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                        withUnsafeBytes(of: sin6.pointee.sin6_addr) { bytes = Array($0) }
                    }
                }
                if !bytes.isEmpty && !out.contains(bytes) { out.append(bytes) }
            }
            node = entry.ai_next
        }
        return out.isEmpty ? .failure(SystemDNSError(message: "no addresses")) : .success(out)
    }
}

/// Name resolution failed.
public struct SystemDNSError: Error, Sendable, Equatable {
    /// The resolver's message.
    public let message: String

    /// A failure with the resolver's message.
    public init(message: String) {
        self.message = message
    }
}
