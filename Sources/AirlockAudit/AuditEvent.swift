/// One audit record: a decision Airlock made about one call (PRODUCT.md "Audit events").
///
/// Fields are plain values so the record can be built on the event loop and serialized on
/// the writer thread. `url` must already have query values redacted; no header value is
/// ever stored, so credentials cannot reach the log.
public struct AuditEvent: Sendable, Equatable {
    public var time: Double            // seconds since 1970
    public var requestID: String
    /// The client's policy name when it was identified, else its address.
    public var client: String
    /// The address the client connected from.
    public var clientAddress: String?
    public var mode: String
    public var method: String
    public var url: String
    public var upstream: String?
    public var host: String?
    public var port: Int?
    public var address: String?
    public var decision: String        // allow | deny | report
    public var reason: String?
    public var detail: String?
    /// The response rule that decided (`upstream.responses[i]`), when one did.
    public var rule: String?
    /// Where in the response body a check failed: a JSON Pointer or an XML node path.
    public var location: String?
    /// The schema keyword (JSON Schema) or check that failed.
    public var keyword: String?
    public var status: Int
    public var upstreamStatus: Int?
    public var bytesIn: Int
    public var bytesOut: Int
    public var durationMs: Double

    /// Creates an event; optional fields default to absent.
    public init(
        time: Double, requestID: String, client: String, clientAddress: String? = nil, mode: String, method: String, url: String,
        upstream: String? = nil, host: String? = nil, port: Int? = nil, address: String? = nil,
        decision: String, reason: String? = nil, detail: String? = nil,
        rule: String? = nil, location: String? = nil, keyword: String? = nil, status: Int,
        upstreamStatus: Int? = nil, bytesIn: Int = 0, bytesOut: Int = 0, durationMs: Double = 0
    ) {
        self.time = time
        self.requestID = requestID
        self.client = client
        self.clientAddress = clientAddress
        self.mode = mode
        self.method = method
        self.url = url
        self.upstream = upstream
        self.host = host
        self.port = port
        self.address = address
        self.decision = decision
        self.reason = reason
        self.detail = detail
        self.rule = rule
        self.location = location
        self.keyword = keyword
        self.status = status
        self.upstreamStatus = upstreamStatus
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.durationMs = durationMs
    }
}
