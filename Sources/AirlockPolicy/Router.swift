import AirlockCore

/// The pure decision engine: request facts plus policy in, `Decision` out.
///
/// No I/O and no logging happen here (STYLE: decisions are pure), which is what lets
/// `airlock explain` show exactly what `airlock serve` would do, and lets the tests run
/// hundreds of cases without a socket. The address check, which needs DNS, is in `AddressGuard`.
public enum Router {
    /// Gateway mode: `target` is the origin-form request target `/<upstream>/<path>?<query>`.
    ///
    /// Origin-form requests are routed by their path only, never by the `Host` header, so a
    /// client cannot reach an upstream by lying about Host (the classic Host-header SSRF).
    /// `client` is the caller's name when the policy identified it (nil: unidentified).
    public static func gateway(policy: Policy, client clientName: String? = nil, method: String, target: String) -> Decision<Route> {
        let client = Caller(clientName, policy)
        guard target.hasPrefix("/") else { return .deny(Denial(.malformedURL, "request target must start with '/'"), upstream: nil) }
        if let problem = fragmentProblem(target) { return .deny(problem, upstream: nil) }
        let (path, query) = splitQuery(target)
        if let problem = rawPathProblem(path) { return .deny(problem, upstream: nil) }
        // The path is printable ASCII (checked above), so UTF-8 indices split it.
        let bytes = path.utf8
        let nameStart = bytes.index(after: bytes.startIndex)
        let nameEnd = bytes[nameStart...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.endIndex
        let name = path[nameStart..<nameEnd]
        guard !name.isEmpty else {
            return .deny(Denial(.unknownUpstream, "gateway paths start with the upstream name: /<upstream>/<path>"), upstream: nil)
        }
        guard let upstream = policy.upstream(named: String(name)) else {
            return .deny(Denial(.unknownUpstream, "no upstream named '\(name)'"), upstream: nil)
        }
        var rest = String(path[nameEnd...])
        if rest.isEmpty { rest = "/" }
        if let query, !query.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) {
            return .deny(Denial(.malformedURL, "query contains spaces, control characters or non-ASCII bytes"), upstream: upstream)
        }
        // The upstream's URL was parsed strictly at load; the path and query were checked
        // above, so the call's URL is assembled without parsing again.
        let base = upstream.url
        let url = TargetURL(scheme: base.scheme, host: base.host, port: base.port, explicitPort: base.explicitPort,
                            path: upstream.basePath + rest, query: query)
        return requestRules(upstream: upstream, url: url, client: client, method: method, subpath: rest)
    }

    /// Forward-proxy mode: `absoluteURL` is the absolute-form request target.
    public static func forward(policy: Policy, client: String? = nil, method: String, absoluteURL: String) -> Decision<Route> {
        if let problem = fragmentProblem(absoluteURL) { return .deny(problem, upstream: nil) }
        let url: TargetURL
        do {
            url = try URLParser.parse(absoluteURL)
        } catch {
            return .deny(Denial(.malformedURL, error.message), upstream: nil)
        }
        return forward(policy: policy, client: client, method: method, url: url)
    }

    /// Forward-proxy mode on a parsed URL (also used for every redirect hop).
    public static func forward(policy: Policy, client clientName: String? = nil, method: String, url: TargetURL) -> Decision<Route> {
        let client = Caller(clientName, policy)
        if let problem = rawPathProblem(url.path) { return .deny(problem, upstream: nil) }
        guard url.scheme == "http" || url.scheme == "https" else {
            return .deny(Denial(.schemeNotAllowed, "scheme '\(url.scheme)' is not http or https"), upstream: nil)
        }
        return firstGrant(governing(policy, url.host), host: url.hostString, wouldDeny: \.wouldDeny) { upstream in
            forwardRules(upstream: upstream, url: url, client: client, method: method)
        }
    }

    /// Tunnel mode: `authority` is the CONNECT target `host:port`.
    /// `mode: report` lets a tunnel that its client may not use open, carrying the refusal for the
    /// audit log (as for calls); the destination rules (host, `tunnel: allow`, port) are enforced.
    public static func tunnel(policy: Policy, client clientName: String? = nil, authority: String) -> Decision<TunnelRoute> {
        let client = Caller(clientName, policy)
        let host: TargetURL.Host
        let port: Int
        do {
            (host, port) = try URLParser.parseAuthority(authority)
        } catch {
            return .deny(Denial(.malformedURL, "CONNECT \(authority): \(error.message)"), upstream: nil)
        }
        return firstGrant(governing(policy, host), host: host.text, wouldDeny: \.wouldDeny) { upstream in
            tunnelRules(upstream: upstream, host: host, port: port, client: client)
        }
    }

    /// The decision of the upstreams that govern a host (see `governing`), each granting what it
    /// grants: the first that allows outright wins; then the first report-mode pass (it carries
    /// its `wouldDeny`); else the first refusal.
    static func firstGrant<Allowed>(_ candidates: [Upstream], host: String, wouldDeny: (Allowed) -> Denial?,
                                    _ rules: (Upstream) -> Decision<Allowed>) -> Decision<Allowed> {
        var reported: Allowed?
        var firstDenial: (Denial, Upstream)?
        for upstream in candidates {
            switch rules(upstream) {
            case .allow(let route):
                if wouldDeny(route) == nil { return .allow(route) }
                if reported == nil { reported = route }
            case .deny(let denial, _):
                if firstDenial == nil { firstDenial = (denial, upstream) }
            }
        }
        if let reported { return .allow(reported) }
        guard let (denial, upstream) = firstDenial else {
            return .deny(Denial(.hostNotAllowed, "no upstream allows host '\(host)'"), upstream: nil)
        }
        return .deny(denial, upstream: upstream)
    }

    /// One upstream's tunnel rules: `tunnel: allow`, its ports, then its clients (which `mode: report` reports).
    static func tunnelRules(upstream: Upstream, host: TargetURL.Host, port: Int, client: Caller) -> Decision<TunnelRoute> {
        guard upstream.tunnel != .deny else {
            return .deny(Denial(.tunnelNotAllowed, "upstream '\(upstream.name)' does not allow CONNECT tunnels (tunnel: deny); use gateway mode so responses can be checked"), upstream: upstream)
        }
        guard upstream.ports.contains(port) else {
            return .deny(Denial(.portNotAllowed, "port \(port) is not in upstream '\(upstream.name)' ports \(upstream.ports.sorted())"), upstream: upstream)
        }
        if let denial = upstream.clientDenial(client.name, authenticated: client.authenticated) {
            guard upstream.mode == .report else { return .deny(denial, upstream: upstream) }
            return .allow(TunnelRoute(upstream: upstream, host: host, port: port, wouldDeny: denial))
        }
        return .allow(TunnelRoute(upstream: upstream, host: host, port: port))
    }

    // MARK: - Rules

    /// The upstreams that name `host` most specifically, in file order: only they decide a call to
    /// it. An upstream for `api.example.com` governs that host even when one for `*.example.com` is
    /// listed first, so the broad one cannot let through (or tunnel past) what the specific one's
    /// methods, paths, clients and response rules would stop; upstreams that name it equally
    /// specifically (two for the same name, split by paths or clients) each grant what they grant.
    static func governing(_ policy: Policy, _ host: TargetURL.Host) -> [Upstream] {
        var best = Int.min
        var out: [Upstream] = []
        for upstream in policy.upstreams {
            guard let value = upstream.specificity(for: host) else { continue }
            if value > best {
                best = value
                out = [upstream]
            } else if value == best {
                out.append(upstream)
            }
        }
        return out
    }

    /// Who is asking, as the client rules need it: the name, and whether it proved it with a token
    /// (the only way a token client is identified).
    struct Caller {
        let name: String?
        let authenticated: Bool

        init(_ name: String?, _ policy: Policy) {
            self.name = name
            authenticated = name.flatMap { policy.clients.client(named: $0)?.tokenDigest } != nil
        }
    }

    static func forwardRules(upstream: Upstream, url: TargetURL, client: Caller, method: String) -> Decision<Route> {
        guard url.scheme == upstream.url.scheme else {
            return .deny(Denial(.schemeNotAllowed, "upstream '\(upstream.name)' is \(upstream.url.scheme), not \(url.scheme)" + (upstream.url.scheme == "https" ? " (use gateway mode, or HTTPS_PROXY)" : "")), upstream: upstream)
        }
        guard upstream.ports.contains(url.port) else {
            return .deny(Denial(.portNotAllowed, "port \(url.port) is not in upstream '\(upstream.name)' ports \(upstream.ports.sorted())"), upstream: upstream)
        }
        var subpath = url.path
        if !upstream.basePath.isEmpty {
            guard subpath == upstream.basePath || subpath.hasPrefix(upstream.basePath + "/") else {
                return .deny(Denial(.pathNotAllowed, "path is outside upstream '\(upstream.name)' base path \(upstream.basePath)"), upstream: upstream)
            }
            subpath = String(subpath.dropFirst(upstream.basePath.count))
            if subpath.isEmpty { subpath = "/" }
        }
        return requestRules(upstream: upstream, url: url, client: client, method: method, subpath: subpath)
    }

    /// Client, method and path rules, shared by gateway and forward mode; `mode: report` turns a
    /// refusal here into an allowed route that carries the refusal for the audit log.
    static func requestRules(upstream: Upstream, url: TargetURL, client: Caller, method: String, subpath: String) -> Decision<Route> {
        var denial: Denial?
        if let refused = upstream.clientDenial(client.name, authenticated: client.authenticated) {
            denial = refused
        } else if !upstream.methods.contains(method) {
            denial = Denial(.methodNotAllowed, "method \(method) is not in upstream '\(upstream.name)' methods \(upstream.methods.sorted())")
        } else if !upstream.allowsPath(subpath) {
            denial = Denial(.pathNotAllowed, "path \(subpath) matches none of upstream '\(upstream.name)' paths")
        }
        guard let denial else { return .allow(Route(upstream: upstream, url: url, method: method, subpath: subpath, client: client.name, wouldDeny: nil)) }
        if upstream.mode == .report {
            return .allow(Route(upstream: upstream, url: url, method: method, subpath: subpath, client: client.name, wouldDeny: denial))
        }
        return .deny(denial, upstream: upstream)
    }

    // MARK: - Path shape

    /// A request target never carries a fragment (RFC 9112 §3.2: neither origin-form nor
    /// absolute-form has one; clients strip it before sending). One that does is refused, as
    /// parsers disagree on where its path ends: `/v1/secret#/public` would match the path rule
    /// `/v1/*/public` while libcurl, dropping everything from `#`, sent `/v1/secret`.
    static func fragmentProblem(_ target: String) -> Denial? {
        guard target.utf8.contains(UInt8(ascii: "#")) else { return nil }
        return Denial(.malformedURL, "request target contains '#': a fragment is never sent to a server, and what follows it would be judged but not sent")
    }

    /// Path and query of a request target (which has no fragment: `fragmentProblem` refused it).
    static func splitQuery(_ target: String) -> (String, String?) {
        // Byte indices: `?` is ASCII, and a UTF-8 index is also a String index.
        let bytes = target.utf8
        guard let q = bytes.firstIndex(of: UInt8(ascii: "?")) else { return (target, nil) }
        return (String(target[..<q]), String(target[bytes.index(after: q)...]))
    }

    /// Refuses raw paths that could climb out of a base path or be read two ways:
    /// dot segments (raw or percent-encoded), encoded `/` or `\`, encoded NUL, bytes outside printable ASCII.
    static func rawPathProblem(_ path: String) -> Denial? {
        guard path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != 0x5c }) else {
            return Denial(.malformedURL, "path contains spaces, control characters, backslashes or non-ASCII bytes")
        }
        if hasForbiddenPathShape(path) {
            return Denial(.malformedURL, "path contains dot segments (also as '%2e' or before ';'), encoded slashes or a '%' not followed by two hex digits, which could climb out of the upstream's base path or be read two ways")
        }
        return nil
    }

    /// Whether a path has `.`/`..` segments (also as `%2e`, and before a `;`: servers that strip
    /// path parameters read `..;x` as `..`), `%2f`, `%5c`, `%00`, or a `%` not followed by two hex
    /// digits (which would hide the bytes after it from this scan: `x%/..` is a `..` segment to
    /// anything that does not decode it). One pass over the bytes: this runs for every request.
    public static func hasForbiddenPathShape(_ path: String) -> Bool {
        var bytes = path.utf8.makeIterator()
        var dots = 0            // dots seen in the current segment, if only dots so far
        var onlyDots = true
        func endSegment() -> Bool { onlyDots && (dots == 1 || dots == 2) }
        while true {
            guard let byte = bytes.next() else { return endSegment() }
            switch byte {
            case UInt8(ascii: "/"):
                if endSegment() { return true }
                dots = 0
                onlyDots = true
            case UInt8(ascii: "."):
                dots += 1
            case UInt8(ascii: ";"):
                if endSegment() { return true }
                onlyDots = false
            case UInt8(ascii: "%"):
                let a = bytes.next(), b = bytes.next()
                guard let a, let b, isHexDigit(a), isHexDigit(b) else { return true }
                let hex = (a | 0x20, b | 0x20)
                if hex == (UInt8(ascii: "2"), UInt8(ascii: "f")) || hex == (UInt8(ascii: "5"), UInt8(ascii: "c"))
                    || (a == UInt8(ascii: "0") && b == UInt8(ascii: "0")) {
                    return true
                }
                if hex == (UInt8(ascii: "2"), UInt8(ascii: "e")) { dots += 1 } else { onlyDots = false }
            default:
                onlyDots = false
            }
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x66)
    }
}
