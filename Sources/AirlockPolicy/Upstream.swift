import AirlockCore

/// One third-party API that internal services may call, as validated from the policy.
///
/// Everything not granted here is denied: the upstream's URL grants its own scheme, host
/// and port; `hosts`, `ports`, `methods` and `paths` widen that explicitly.
///
/// Immutable, and a class so that a route, a decision or a closure holding one shares it
/// (one reference count) instead of copying its twenty fields on every hand-off of a call.
public final class Upstream: Sendable {
    /// `enforce` denies; `report` lets request-shape violations through and audits "would deny".
    public enum Mode: String, Sendable, CaseIterable { case enforce, report }
    /// Whether Airlock follows upstream redirects itself (re-checking every hop) or refuses them.
    public enum Redirects: String, Sendable, CaseIterable { case block, follow }
    /// What happens to a response that no `responses` rule matches.
    public enum Unmatched: String, Sendable, CaseIterable { case allow, block }
    /// Whether CONNECT tunnels (no body inspection) are permitted, and what they may carry.
    public enum Tunnel: String, Sendable, CaseIterable {
        /// Refused (`tunnel_not_allowed`).
        case deny
        /// TLS only, and the client's ClientHello must name the host it asked to connect to.
        case allow
        /// Any bytes, unseen (for protocols other than TLS; the server name is not checked).
        case opaque
    }

    /// The name used in gateway paths (`/<name>/...`) and in audit events.
    public let name: String
    /// The gateway target: scheme, host, port and base path, without query.
    public let url: TargetURL
    /// The base path of `url` without a trailing slash (`""` for the root).
    public let basePath: String
    /// Host patterns that identify this upstream in forward and tunnel mode (the URL's host first).
    public let hosts: [HostPattern]
    /// Ports allowed in forward and tunnel mode (default: the URL's port).
    public let ports: Set<Int>
    /// Allowed methods, upper case.
    public let methods: Set<String>
    /// Allowed paths below the base path.
    public let paths: [PathPattern]
    /// Whether CONNECT tunnels are permitted, and what they may carry.
    public let tunnel: Tunnel
    /// Enforce or report.
    public let mode: Mode
    /// The only exception to the special-purpose address block, for this upstream alone.
    public let allowAddresses: [CIDR]
    /// Redirect handling.
    public let redirects: Redirects
    /// Size and time limits.
    public let limits: Limits
    /// Response rules, first match wins.
    public let responses: [ResponseRule]
    /// The fate of responses no rule matches (`status_not_allowed` when blocked).
    public let unmatched: Unmatched
    /// Whether `Set-Cookie` from this upstream reaches the client (default: removed).
    public let allowSetCookie: Bool
    /// The clients that may call this upstream (nil: every client, identified or not).
    public let clients: Set<String>?
    /// Whether one of `clients` authenticates with a token: an unidentified caller is then asked
    /// to authenticate (407) rather than told it is not permitted (403).
    public let clientsAuthenticate: Bool
    /// Where this upstream is defined, for messages.
    public let source: String

    /// Creates a validated upstream (the loader is the only caller outside tests).
    public init(
        name: String, url: TargetURL, hosts: [HostPattern], ports: Set<Int>, methods: Set<String>,
        paths: [PathPattern], tunnel: Tunnel, mode: Mode, allowAddresses: [CIDR], redirects: Redirects,
        limits: Limits, responses: [ResponseRule] = [], unmatched: Unmatched = .allow, allowSetCookie: Bool = false,
        clients: (names: Set<String>, authenticate: Bool)? = nil, source: String
    ) {
        self.clients = clients?.names
        self.clientsAuthenticate = clients?.authenticate ?? false
        self.responses = responses
        self.unmatched = unmatched
        self.allowSetCookie = allowSetCookie
        self.name = name
        self.url = url
        var base = url.path
        while base.hasSuffix("/") { base.removeLast() }
        self.basePath = base
        self.hosts = hosts
        self.ports = ports
        self.methods = methods
        self.paths = paths
        self.tunnel = tunnel
        self.mode = mode
        self.allowAddresses = allowAddresses
        self.redirects = redirects
        self.limits = limits
        self.source = source
    }

    /// Whether a normalized host (a punycode name or an address) names this upstream.
    public func matchesHost(_ host: TargetURL.Host) -> Bool {
        hosts.contains { $0.matches(host) }
    }

    /// How specifically this upstream names `host` (nil: not at all): an exact name or address
    /// beats any `*.suffix`, and a longer suffix beats a shorter one.
    public func specificity(for host: TargetURL.Host) -> Int? {
        var best: Int?
        for pattern in hosts where pattern.matches(host) {
            let value: Int
            switch pattern.kind {
            case .exact, .address: value = Int.max
            case .subdomains(let suffix): value = suffix.utf8.count
            }
            best = max(best ?? value, value)
        }
        return best
    }

    /// Whether any response of this upstream may be judged by its rules (`responses`, or `unmatched: block`).
    public var inspectsAnyResponse: Bool { unmatched == .block || !responses.isEmpty }

    /// Whether a response to this call may need its body inspected (buffered, decoded, validated).
    public func inspectsResponses(method: String, subpath: String) -> Bool {
        unmatched == .block || responses.contains { $0.covers(method: method, subpath: subpath) }
    }

    /// The refusal for `client` (a name, nil when unidentified), or nil when it may call this
    /// upstream. A caller that did not authenticate with a token, where a client of this upstream
    /// does, is asked to (`client_unauthenticated`, 407): credentials could still let it in.
    public func clientDenial(_ client: String?, authenticated: Bool) -> Denial? {
        guard let clients, !(client.map(clients.contains) ?? false) else { return nil }
        // Which clients an upstream serves is the policy's business, not the caller's: not listed.
        let who = client.map { "client '\($0)' is not one of upstream '\(name)' clients" }
            ?? "upstream '\(name)' serves only the clients its policy names, and this connection's address is none of them"
        if clientsAuthenticate && !authenticated {
            return Denial(.clientUnauthenticated, who + "; authenticate with Proxy-Authorization")
        }
        return Denial(.clientNotPermitted, who)
    }

    /// Whether `path` (below the base path) is allowed.
    public func allowsPath(_ path: String) -> Bool {
        paths.contains { $0.matches(path) }
    }
}
