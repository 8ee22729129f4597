/// A validated policy: everything a running Airlock needs, checked once at load.
public struct Policy: Sendable {
    /// A `HOST:PORT` to listen on.
    public struct Listen: Sendable, Equatable, CustomStringConvertible {
        /// An IP literal (`127.0.0.1`, `::1`) or `localhost`.
        public let host: String
        /// The TCP port; 0 asks the OS for a free one (tests).
        public let port: Int

        /// Creates a listen address.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port`, with brackets around IPv6.
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

        /// Parses `HOST:PORT` or `[V6]:PORT`.
        public static func parse(_ text: String) -> Listen? {
            let host: Substring
            let port: Substring
            if text.hasPrefix("[") {
                guard let close = text.firstIndex(of: "]") else { return nil }
                host = text[text.index(after: text.startIndex)..<close]
                let rest = text[text.index(after: close)...]
                guard rest.hasPrefix(":") else { return nil }
                port = rest.dropFirst()
            } else {
                guard let colon = text.lastIndex(of: ":") else { return nil }
                host = text[..<colon]
                port = text[text.index(after: colon)...]
            }
            guard !port.isEmpty, port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), port.count <= 5,
                  let number = Int(port), number <= 65535 else { return nil }
            let hostString = String(host)
            guard hostString == "localhost" || IPAddress(hostString) != nil else { return nil }
            return Listen(host: hostString, port: number)
        }
    }

    /// Default listen address: loopback, so a fresh install is never an open proxy.
    public static let defaultListen = Listen(host: "127.0.0.1", port: 4750)

    /// Where to listen unless `--listen` overrides it.
    public var listen: Listen
    /// The audit log path (JSON Lines), resolved against the policy file's folder.
    public var auditFile: String
    /// Static name → addresses table, consulted before real DNS (tests, split horizon).
    public var staticDNS: [String: [IPAddress]]
    /// The internal clients the policy names (empty: nobody is identified, every caller is anonymous).
    public var clients: ClientDirectory
    /// `admin.clients`: who may read Airlock's own endpoints (`/_airlock/health`, `/_airlock/metrics`);
    /// nil: whoever can reach the listener.
    public var adminClients: Set<String>?
    /// Upstreams in file order (order matters for forward-mode host matches).
    public var upstreams: [Upstream]
    /// The files this policy was loaded from.
    public var sources: [String]

    private var byName: [String: Int]

    /// Creates a policy from validated parts.
    public init(listen: Listen, auditFile: String, staticDNS: [String: [IPAddress]], clients: ClientDirectory = .empty, upstreams: [Upstream], sources: [String]) {
        self.clients = clients
        self.listen = listen
        self.auditFile = auditFile
        self.staticDNS = staticDNS
        self.upstreams = upstreams
        self.sources = sources
        self.byName = Dictionary(upstreams.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The upstream with this gateway name.
    public func upstream(named name: String) -> Upstream? {
        byName[name].map { upstreams[$0] }
    }
}
