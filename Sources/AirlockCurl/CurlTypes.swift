import AirlockCore

/// One HTTP exchange for libcurl to perform, in plain Swift values.
///
/// Everything security-relevant is decided before this is built: the URL was checked by
/// the policy, `resolve` pins the host to an address that passed the address guard, and
/// `allowConnect` repeats that check on the address curl actually connects to.
public struct CurlRequest: Sendable {
    /// The full URL (http or https).
    public var url: String
    /// The method, upper case.
    public var method: String
    /// Request headers to send (hop-by-hop ones already removed).
    public var headers: [(name: String, value: String)]
    /// The request body (may be empty).
    public var body: [UInt8]
    /// `CURLOPT_RESOLVE` entries `host:port:address` that pin curl to checked addresses.
    public var resolve: [String]
    /// Connect timeout in milliseconds.
    public var connectTimeoutMs: Int
    /// Whole-exchange timeout in milliseconds.
    public var timeoutMs: Int
    /// Largest body accepted; more aborts the transfer.
    public var maxResponseBytes: Int
    /// Connect-time check: given the 4 or 16 address bytes and the port, may curl connect?
    public var allowConnect: @Sendable ([UInt8], Int) -> Bool
    /// Optional CA bundle file (tests with a private CA); nil uses the system store.
    public var caFile: String?
    /// Ask for gzip/deflate and hand over the decoded body (for responses that will be inspected);
    /// `maxResponseBytes` then bounds the decoded size.
    public var decodeContent = false
    /// With `decodeContent`: the largest decoded/encoded ratio, enforced past 64 KiB decoded.
    public var maxCompressionRatio = 100
    /// Hands the response over as it arrives (the size cap still applies); nil buffers it.
    public var stream: CurlStream?
    /// Cut when the client leaves: the transfer stops then (a streamed one reports what it relayed,
    /// with `consumerGone`; any other fails with `cancelled`).
    public var cancellation: Cancellation?

    /// Creates a request.
    public init(
        url: String, method: String, headers: [(name: String, value: String)], body: [UInt8], resolve: [String],
        connectTimeoutMs: Int, timeoutMs: Int, maxResponseBytes: Int, caFile: String? = nil,
        allowConnect: @escaping @Sendable ([UInt8], Int) -> Bool
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.resolve = resolve
        self.connectTimeoutMs = connectTimeoutMs
        self.timeoutMs = timeoutMs
        self.maxResponseBytes = maxResponseBytes
        self.caFile = caFile
        self.allowConnect = allowConnect
    }
}

/// Receives a response while it arrives, on the engine thread (keep both calls short).
public struct CurlStream: Sendable {
    /// The final response's status, header fields and connected address, once its header block is
    /// complete. Return true to receive its body through `body` instead of in `CurlResponse.body`.
    public var head: @Sendable (_ status: Int, _ headers: [(name: String, value: String)], _ address: String?) -> Bool
    /// Body bytes in order (only after `head` returned true).
    public var body: @Sendable (_ chunk: [UInt8]) -> Void
    /// Back-pressure: with a window, the transfer pauses while the consumer is `window.bytes` behind.
    public var window: FlowWindow?

    /// Creates a stream sink.
    public init(head: @escaping @Sendable (Int, [(name: String, value: String)], String?) -> Bool,
                body: @escaping @Sendable ([UInt8]) -> Void, window: FlowWindow? = nil) {
        self.head = head
        self.body = body
        self.window = window
    }
}

/// What came back from a completed exchange.
public struct CurlResponse: Sendable {
    /// The final response's status code.
    public var status: Int
    /// The final response's header fields, in order, as received.
    public var headers: [(name: String, value: String)]
    /// The body, as received (not decoded).
    public var body: [UInt8]
    /// The IP address of the connection used (`CURLINFO_PRIMARY_IP`).
    public var connectedAddress: String?
    /// Whether libcurl decoded a `Content-Encoding` (the body is the decoded one).
    public var decoded = false
    /// Whether the body went through `CurlRequest.stream` (then `body` is empty).
    public var streamed = false
    /// Body bytes received (streamed or not).
    public var bodyBytes = 0
    /// The client left during the relay, so the transfer was stopped (streamed bodies only).
    public var consumerGone = false
}

/// Why an exchange failed; every libcurl error code is mapped here, in one place.
public enum CurlFailure: Error, Sendable, Equatable {
    /// The connect-time check refused this address (4 or 16 bytes) and port.
    case refusedAddress([UInt8], Int)
    /// Could not connect or resolve.
    case unreachable(String)
    /// A connect or total timeout expired.
    case timeout(String)
    /// TLS handshake or certificate verification failed.
    case tls(String)
    /// The response exceeded `maxResponseBytes`.
    case tooLarge
    /// The decoded body inflated beyond `maxCompressionRatio` (decoded and encoded bytes so far).
    case compressionRatio(decoded: Int, encoded: Int)
    /// The content encoding is unknown or the compressed data is corrupt.
    case badEncoding(String)
    /// The response is not well-formed HTTP (a header field with control characters or a bad name).
    case malformed(String)
    /// The request's `cancellation` was cut (its client left) before a streamed body began.
    case cancelled
    /// The engine is shutting down.
    case shuttingDown
    /// Any other libcurl failure, with its code and message.
    case other(Int, String)
}
