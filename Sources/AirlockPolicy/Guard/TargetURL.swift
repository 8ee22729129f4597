/// A request target that survived `URLParser`'s differential-proof checks; only these normalized fields feed policy and DNS.
public struct TargetURL: Hashable, Sendable, CustomStringConvertible {
    /// A normalized destination host: a DNS name or an IP address, never an ambiguous mix of the two.
    public enum Host: Hashable, Sendable, CustomStringConvertible {
        /// Lowercase ASCII DNS name without trailing dot; IDN labels already in punycode (`xn--`).
        case name(String)
        /// An IP literal (any IPv4 spelling normalized, or bracketed IPv6).
        case address(IPAddress)

        /// Name, dotted IPv4, or bracketed IPv6, as it belongs in a URL authority or Host header.
        public var description: String {
            switch self {
            case .name(let name): return name
            case .address(let address): return address.isV4 ? address.description : "[\(address)]"
            }
        }
    }

    /// Lowercased scheme; the parser accepts any RFC 3986 scheme, policy restricts to http/https.
    public let scheme: String
    /// Normalized host.
    public let host: Host
    /// Explicit port, else 80/443 for http/https, else 0 (unknown).
    public let port: Int
    /// True when the port was written in the URL.
    public let explicitPort: Bool
    /// Raw path as given, always starting with "/".
    public let path: String
    /// Raw query without the "?", nil when absent.
    public let query: String?

    /// Assembles a target from already-validated parts; internal so only `URLParser` can mint one.
    internal init(scheme: String, host: Host, port: Int, explicitPort: Bool, path: String, query: String?) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.explicitPort = explicitPort
        self.path = path
        self.query = query
        var text = scheme + "://" + host.description
        if explicitPort { text += ":\(port)" }
        text += path
        if let query { text += "?" + query }
        self.description = text
    }

    /// Host as written in an authority: name, dotted IPv4 or bracketed IPv6.
    public var hostString: String {
        host.description
    }

    /// `scheme://host[:port]path[?query]` (port only when explicit, fragment never). Built once
    /// with the target: the audit record and the upstream call both need it for every request.
    public let description: String
}
