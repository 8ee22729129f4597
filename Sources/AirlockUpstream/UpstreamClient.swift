import AirlockCore
import AirlockCurl
import AirlockPolicy
import Dispatch

/// A response from an upstream, as handed to the response pipeline.
public struct UpstreamResponse: Sendable {
    /// The upstream's status code.
    public var status: Int
    /// Its header fields, hop-by-hop fields already removed.
    public var headers: [(name: String, value: String)]
    /// The body as received (bounded by `limits.response_bytes`).
    public var body: [UInt8]
    /// The address Airlock was connected to.
    public var address: String?
    /// Whether the body was decoded from a `Content-Encoding` (the header is then removed).
    public var decoded = false
    /// Whether the body may be inspected by response rules (it was asked for decoded).
    public var inspectable = false
    /// Whether the body was handed over through an `UpstreamStream` (then `body` is empty).
    public var streamed = false
    /// Body bytes received, streamed or not.
    public var bodyBytes = 0
    /// The client left while the body was relayed, so the transfer was stopped after `bodyBytes`.
    public var clientGone = false
}

/// Receives a response that no rule inspects while it arrives (from the engine thread).
public struct UpstreamStream: Sendable {
    /// Status, header fields (hop-by-hop, `Content-Length` and, unless allowed, `Set-Cookie` removed:
    /// the relayed message is chunked, so its end can wait for the audit record) and the connected
    /// address; called once, before any body bytes.
    public var head: @Sendable (_ status: Int, _ headers: [(name: String, value: String)], _ address: String?) -> Void
    /// Body bytes, in order.
    public var body: @Sendable (_ chunk: [UInt8]) -> Void
    /// Back-pressure: the upstream is not read while the consumer is `window.bytes` behind.
    public var window: FlowWindow?

    /// Creates a sink.
    public init(head: @escaping @Sendable (Int, [(name: String, value: String)], String?) -> Void,
                body: @escaping @Sendable ([UInt8]) -> Void, window: FlowWindow? = nil) {
        self.head = head
        self.body = body
        self.window = window
    }
}

/// A refused or failed upstream call: the refusal plus the address involved, for the audit log.
public struct UpstreamFailure: Error, Sendable {
    /// The reason code and detail handed to the client.
    public let denial: Denial
    /// The address that was refused or tried, when known.
    public let address: String?
    /// The client left before the answer, so the call was stopped (`denial` only says so: it is
    /// handed to nobody).
    public var clientGone = false
    /// With `clientGone` after followed redirects: every URL the call asked, the one it was on last.
    public var chain: [String] = []
    /// With `clientGone`: what a redirect hop's report-mode upstream would have refused.
    public var wouldDeny: Denial?

    /// A failure with its refusal.
    init(denial: Denial, address: String?) {
        self.denial = denial
        self.address = address
    }

    /// The call stopped because its client left (on its way along `chain`, if it followed redirects).
    static func clientLeft(chain: [String] = [], wouldDeny: Denial? = nil) -> UpstreamFailure {
        var failure = UpstreamFailure(denial: Denial(.internalError, "the client closed the connection before the answer, so the upstream call was stopped"), address: nil)
        failure.clientGone = true
        failure.chain = chain
        failure.wouldDeny = wouldDeny
        return failure
    }
}

/// Performs one upstream call for an allowed route: resolve, check every address, pin
/// curl to the checked ones, check again at connect time, and map every failure to a reason.
public final class UpstreamClient: Sendable {
    let engine: CurlEngine
    let resolver: Resolver
    let addressGuard: AddressGuard
    let caFile: String?

    /// Creates a client over a running engine.
    public init(engine: CurlEngine, resolver: Resolver, addressGuard: AddressGuard, caFile: String? = nil) {
        self.engine = engine
        self.resolver = resolver
        self.addressGuard = addressGuard
        self.caFile = caFile
    }

    /// Sends one request (no redirect handling; see `Exchange`).
    /// With `stream`, a response that no rule inspects and that is not a redirect is handed over
    /// as it arrives; everything else is buffered (under `limits.response_bytes` either way).
    /// `deadline` (monotonic ns): when a call of several hops must be over (a redirect chain shares
    /// the first upstream's `limits.timeout`); this hop gets what is left, if that is less than its own.
    /// `cancellation`: cut when the client leaves, which stops the call (`UpstreamFailure.clientGone`,
    /// or a streamed response's `clientGone` once its relay began).
    public func send(
        route: Route, headers: [(name: String, value: String)], body: [UInt8], stream: UpstreamStream? = nil,
        deadline: UInt64? = nil, cancellation: Cancellation? = nil,
        completion: @escaping @Sendable (Result<UpstreamResponse, UpstreamFailure>) -> Void
    ) {
        let url = route.url
        let upstream = route.upstream
        let addressGuard = self.addressGuard
        resolver.resolve(url.host) { [engine, caFile] result in
            let addresses: [IPAddress]
            switch result {
            case .failure(let error):
                completion(.failure(UpstreamFailure(denial: Denial(.upstreamUnreachable, "cannot resolve \(url.hostString): \(error.message)"), address: nil)))
                return
            case .success(let list):
                addresses = list
            }
            // Any forbidden address refuses the name: a name that mixes public and internal
            // answers is either misconfigured or an attack, and fail-closed treats both alike.
            for address in addresses {
                if let denial = addressGuard.check(address, port: url.port, upstream: upstream) {
                    completion(.failure(UpstreamFailure(denial: Denial(denial.reason, "\(url.hostString): \(denial.detail)"), address: address.description)))
                    return
                }
            }
            guard !addresses.isEmpty else {
                completion(.failure(UpstreamFailure(denial: Denial(.upstreamUnreachable, "\(url.hostString) has no addresses"), address: nil)))
                return
            }
            // A response that rules may inspect is asked for compressed-or-not by Airlock itself and
            // decoded under the size and ratio caps; otherwise the client's Accept-Encoding passes.
            let inspect = upstream.inspectsResponses(method: route.method, subpath: route.subpath)
            // A HEAD answer has no body to decode; asking for gzip would only make its Content-Length wrong.
            let decode = inspect && route.method != "HEAD"
            let sent = decode ? headers.filter { !$0.name.equalsIgnoringASCIICase("accept-encoding") } : headers
            var resolve: [String] = []
            if case .name(let name) = url.host {
                let list = addresses.map { $0.isV4 ? $0.description : "[\($0.description)]" }.joined(separator: ",")
                resolve.append("\(name):\(url.port):\(list)")
            }
            var request = CurlRequest(
                url: url.description, method: route.method, headers: sent, body: body, resolve: resolve,
                connectTimeoutMs: upstream.limits.connectTimeoutMs, timeoutMs: Self.timeoutMs(upstream.limits.timeoutMs, deadline: deadline),
                maxResponseBytes: upstream.limits.responseBytes, caFile: caFile,
                allowConnect: { bytes, port in
                    guard let address = IPAddress(bytes: bytes) else { return false }
                    return addressGuard.check(address, port: port, upstream: upstream) == nil
                }
            )
            request.decodeContent = decode
            request.cancellation = cancellation
            request.maxCompressionRatio = upstream.limits.compressionRatio
            if let stream, !inspect, route.method != "HEAD" {
                let allowSetCookie = upstream.allowSetCookie
                request.stream = CurlStream(head: { status, fields, address in
                    guard !Exchange.isRedirect(status) else { return false }   // redirects are Exchange's to judge
                    // A small body announced by its length arrives in one read anyway: buffered, it leaves
                    // in one write with that length, instead of as a head, a chunk and an end.
                    if let length = HeaderFilter.declaredLength(fields), length <= Self.wholeRelayBytes { return false }
                    stream.head(status, HeaderFilter.response(fields, allowSetCookie: allowSetCookie), address)
                    return true
                }, body: stream.body, window: stream.window)
            }
            engine.perform(request) { result in
                completion(Self.map(result, upstream: upstream, addressGuard: addressGuard, url: url, head: route.method == "HEAD", inspect: inspect))
            }
        }
    }

    /// Relayed responses that declare at most this many body bytes are passed on whole (see `send`).
    public static let wholeRelayBytes = 16 << 10

    /// A hop's total timeout: its upstream's, or what is left before `deadline` if that is sooner
    /// (at least 1 ms: libcurl reads 0 as no timeout at all).
    static func timeoutMs(_ own: Int, deadline: UInt64?) -> Int {
        guard let deadline else { return own }
        let now = DispatchTime.now().uptimeNanoseconds
        let left = deadline > now ? Int((deadline - now) / 1_000_000) : 0
        return max(1, min(own, left))
    }

    static func map(_ result: Result<CurlResponse, CurlFailure>, upstream: Upstream, addressGuard: AddressGuard, url: TargetURL, head: Bool, inspect: Bool = false) -> Result<UpstreamResponse, UpstreamFailure> {
        switch result {
        case .success(let response):
            var headers = HeaderFilter.response(response.headers, head: head, allowSetCookie: upstream.allowSetCookie)
            if response.decoded { headers = HeaderFilter.bodyReplaced(headers) }
            return .success(UpstreamResponse(
                status: response.status, headers: headers, body: response.body,
                address: response.connectedAddress, decoded: response.decoded, inspectable: inspect,
                streamed: response.streamed, bodyBytes: response.bodyBytes, clientGone: response.consumerGone))
        case .failure(let failure):
            switch failure {
            case .refusedAddress(let bytes, let port):
                let address = IPAddress(bytes: bytes)
                let why = address.flatMap { addressGuard.check($0, port: port, upstream: upstream)?.detail } ?? "unsupported address family"
                return .failure(UpstreamFailure(denial: Denial(.addressForbidden, "refused at connect time: \(why)"), address: address?.description))
            case .unreachable(let message):
                return .failure(UpstreamFailure(denial: Denial(.upstreamUnreachable, "\(url.hostString):\(url.port): \(message)"), address: nil))
            case .timeout(let message):
                return .failure(UpstreamFailure(denial: Denial(.upstreamTimeout, message), address: nil))
            case .tls(let message):
                return .failure(UpstreamFailure(denial: Denial(.upstreamTLSError, message), address: nil))
            case .tooLarge:
                return .failure(UpstreamFailure(denial: Denial(.responseTooLarge, "response exceeds \(upstream.limits.responseBytes) bytes\(inspect ? " (decoded)" : "") (limits.response_bytes)"), address: nil))
            case .compressionRatio(let decoded, let encoded):
                return .failure(UpstreamFailure(denial: Denial(.contentEncodingRefused, "decompression bomb: \(encoded) compressed bytes inflated to more than \(decoded) (ratio above limits.compression_ratio \(upstream.limits.compressionRatio):1)"), address: nil))
            case .badEncoding(let message):
                return .failure(UpstreamFailure(denial: Denial(.contentEncodingRefused, "the compressed body could not be decoded: \(message)"), address: nil))
            case .malformed(let message):
                return .failure(UpstreamFailure(denial: Denial(.responseMalformed, message), address: nil))
            case .cancelled:
                return .failure(.clientLeft())
            case .shuttingDown:
                return .failure(UpstreamFailure(denial: Denial(.shuttingDown, "Airlock is stopping"), address: nil))
            case .other(let code, let message):
                return .failure(UpstreamFailure(denial: Denial(.upstreamUnreachable, "libcurl error \(code): \(message)"), address: nil))
            }
        }
    }
}
