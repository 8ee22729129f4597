import AirlockCore
import AirlockPolicy
import Dispatch

/// The outcome of a call after redirect handling.
public struct ExchangeResult: Sendable {
    /// The response handed to the response pipeline.
    public var response: UpstreamResponse
    /// The route of the last hop (its upstream names the audit event).
    public var route: Route
    /// The URLs asked before the last hop's, in order (the first is the route's): one per redirect followed.
    public var via: [String]
    /// How many redirects were followed.
    public var redirects: Int { via.count }
    /// In report mode: what enforce mode would have refused on the way, a blocked redirect or the
    /// rules of a hop's upstream (the first such refusal; the first route's own is in its `wouldDeny`).
    public var wouldDeny: Denial?
}

/// One call including redirect handling (OWASP API7: redirects are an SSRF path).
///
/// With `redirects: block` a 3xx (other than 304) becomes `redirect_blocked`. With
/// `redirects: follow`, Airlock follows at most `maxHops` hops itself, each one decided
/// by the forward-mode rules from scratch (host, scheme, port, method, path) and address-
/// checked again, and credentials are dropped once the origin changes.
public struct Exchange: Sendable {
    /// Most redirects followed for one call.
    public static let maxHops = 5

    let client: UpstreamClient
    let policy: Policy
    /// With a limiter, a hop to another upstream than those the call already holds takes one of
    /// its slots until the call ends (the caller holds the first upstream's).
    let limiter: CallLimiter?
    /// With a rate limiter, a hop to another upstream than those the call already holds is counted
    /// against that upstream's `limits.rate` for the same client (the caller counted the first).
    let rates: RateLimiter?

    /// Creates an exchange runner.
    public init(client: UpstreamClient, policy: Policy, limiter: CallLimiter? = nil, rates: RateLimiter? = nil) {
        self.client = client
        self.policy = policy
        self.limiter = limiter
        self.rates = rates
    }

    /// Performs the call for `route`.
    /// `stream` receives the final response as it arrives when no rule inspects it (see `UpstreamClient.send`).
    /// `anonymousKey`: the caller's rate-limit key when the route names no client (its address).
    /// `cancellation`: cut when the client leaves; the hop in progress stops and no further hop starts.
    public func run(
        route: Route, headers: [(name: String, value: String)], body: [UInt8], stream: UpstreamStream? = nil, anonymousKey: String = "-",
        cancellation: Cancellation? = nil,
        completion: @escaping @Sendable (Result<ExchangeResult, UpstreamFailure>) -> Void
    ) {
        let deadline = DispatchTime.now().uptimeNanoseconds &+ UInt64(max(0, route.upstream.limits.timeoutMs)) * 1_000_000
        hop(route: route, headers: headers, body: body, stream: stream, via: [], first: route.upstream, held: [], reported: nil,
            deadline: deadline, anonymousKey: anonymousKey, cancellation: cancellation, completion: completion)
    }

    private func hop(
        route: Route, headers: [(name: String, value: String)], body: [UInt8], stream: UpstreamStream?, via: [String],
        first: Upstream, held: [String], reported: Denial?, deadline: UInt64, anonymousKey: String, cancellation: Cancellation?,
        completion: @escaping @Sendable (Result<ExchangeResult, UpstreamFailure>) -> Void
    ) {
        client.send(route: route, headers: headers, body: body, stream: stream, deadline: deadline, cancellation: cancellation) { [self] result in
            let response: UpstreamResponse
            switch result {
            case .failure(let failure) where failure.clientGone && !via.isEmpty:
                completion(.failure(.clientLeft(chain: via + [route.url.description], wouldDeny: reported)))
                return
            case .failure(let failure):
                completion(.failure(failure))
                return
            case .success(let r):
                response = r
            }
            guard Self.isRedirect(response.status), !response.streamed else {
                completion(.success(ExchangeResult(response: response, route: route, via: via, wouldDeny: reported)))
                return
            }
            let location = response.headers.first { $0.name.equalsIgnoringASCIICase("location") }?.value
            let shown = location.map { "Location: \(Self.redactedQuery($0))" } ?? "no Location header"
            func refuse(_ detail: String) {
                let denial = Denial(.redirectBlocked, "upstream answered \(response.status) (\(shown)): \(detail)")
                if route.upstream.mode == .report {
                    completion(.success(ExchangeResult(response: response, route: route, via: via, wouldDeny: reported ?? denial)))
                } else {
                    completion(.failure(UpstreamFailure(denial: denial, address: response.address)))
                }
            }
            guard route.upstream.redirects == .follow else { return refuse("redirects are blocked for upstream '\(route.upstream.name)'") }
            guard Self.followable.contains(response.status) else { return refuse("only 301, 302, 303, 307 and 308 are followed") }
            guard via.count < Self.maxHops else { return refuse("more than \(Self.maxHops) redirects") }
            guard let location, let target = Self.resolve(location, against: route.url) else {
                return refuse("the Location is missing or malformed")
            }
            guard !(route.url.scheme == "https" && target.scheme == "http") else {
                return refuse("a redirect from https to http is never followed (what the call carries would go out in clear)")
            }
            let method = Self.method(after: response.status, was: route.method)
            let sameOrigin = target.origin == route.url.origin
            let nextBody = method == route.method ? body : []
            guard sameOrigin || nextBody.isEmpty else {
                return refuse("a request body is never replayed to another origin (\(response.status) keeps the method and its body)")
            }
            // A client that left takes no further hop (nor its rate token, slot and DNS lookup).
            if cancellation?.isCancelled == true {
                return completion(.failure(.clientLeft(chain: via + [route.url.description, target.description], wouldDeny: reported)))
            }
            switch Router.forward(policy: policy, client: route.client, method: method, url: target) {
            case .deny(let denial, _):
                refuse("next hop refused: \(denial.reason.rawValue): \(denial.detail)")
            case .allow(let next) where next.upstream.name != first.name && first.inspectsAnyResponse:
                // The client asked the first upstream, whose response rules must judge what it gets: a hop
                // into another upstream would hand over that one's answer under that one's rules instead.
                refuse("the next hop is upstream '\(next.upstream.name)', and the response rules of upstream '\(first.name)' would not apply to its answer")
            case .allow(let next):
                var held = held, completion = completion
                // The next upstream's own limit refused the hop (said as a redirect to where it went).
                func refused(by denial: Denial) {
                    completion(.failure(UpstreamFailure(
                        denial: Denial(denial.reason, "redirect to \(Self.redactedQuery(next.url.description)): \(denial.detail)", retryAfter: denial.retryAfter),
                        address: nil)))
                }
                let enters = next.upstream.name != first.name && !held.contains(next.upstream.name)
                if enters, let rates, let denial = rates.take(next.upstream, client: next.client ?? anonymousKey, named: next.client != nil) {
                    return refused(by: denial)
                }
                if let limiter, enters {
                    guard limiter.acquire(next.upstream) else { return refused(by: limiter.denial(next.upstream)) }
                    held.append(next.upstream.name)
                    let upstream = next.upstream, whenDone = completion
                    completion = { result in
                        limiter.release(upstream)
                        whenDone(result)
                    }
                }
                var nextHeaders = sameOrigin ? headers : HeaderFilter.crossOrigin(headers)
                if method != route.method { nextHeaders = HeaderFilter.bodyDropped(nextHeaders) }
                hop(route: next, headers: nextHeaders, body: nextBody, stream: stream, via: via + [route.url.description], first: first, held: held,
                    reported: reported ?? next.wouldDeny, deadline: deadline, anonymousKey: anonymousKey, cancellation: cancellation,
                    completion: completion)
            }
        }
    }

    /// 3xx except 304 Not Modified, which is a cache answer, not a redirect.
    static func isRedirect(_ status: Int) -> Bool { (300...399).contains(status) && status != 304 }

    /// The redirects that name where to go (300 offers a choice, 305 and 306 are obsolete).
    static let followable: Set<Int> = [301, 302, 303, 307, 308]

    /// RFC 9110 §15.4: 303 turns into GET; 301/302 after POST too, as every client does.
    static func method(after status: Int, was method: String) -> String {
        if status == 303 && method != "HEAD" { return "GET" }
        if (status == 301 || status == 302) && method == "POST" { return "GET" }
        return method
    }

    /// Resolves a Location against the current URL; nil if the result does not parse strictly.
    static func resolve(_ location: String, against base: TargetURL) -> TargetURL? {
        let absolute: String
        let lower = location.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || (location.firstIndex(of: ":").map { colon in
            !location[..<colon].contains("/") && !location[..<colon].contains("?")
        } ?? false) {
            absolute = location
        } else if location.hasPrefix("//") {
            absolute = base.scheme + ":" + location
        } else if location.hasPrefix("/") {
            absolute = base.origin + location
        } else if location.hasPrefix("?") {
            absolute = base.origin + base.path + location
        } else {
            let directory = base.path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
            absolute = base.origin + directory + "/" + location
        }
        return try? URLParser.parse(absolute)
    }

    /// A URL (a Location as the upstream wrote it) fit for a detail: no query, no fragment (an OAuth
    /// answer carries its token there), no userinfo.
    static func redactedQuery(_ url: String) -> String {
        var text = Substring(url)
        var cut = ""
        if let end = text.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            cut = text[end] == "?" ? "?…" : "#…"
            text = text[..<end]
        }
        if let scheme = text.range(of: "://") {
            let authorityEnd = text[scheme.upperBound...].firstIndex(of: "/") ?? text.endIndex
            if let at = text[scheme.upperBound..<authorityEnd].lastIndex(of: "@") {
                text = text[..<scheme.upperBound] + "…@" + text[text.index(after: at)...]
            }
        }
        return text + cut
    }
}
