/// The stable reason codes Airlock hands back and records.
///
/// Dashboards, alerts and tests match on these codes, never on English text
/// (Smokescreen's tests assert sentences, so every rewording breaks them), so a
/// code, once shipped, is never renamed. Each maps to exactly one HTTP status.
public enum Reason: String, Sendable, CaseIterable, Codable {
    // 400: the request itself is broken or ambiguous.
    case malformedRequest = "malformed_request"
    case malformedURL = "malformed_url"
    // 403: the policy does not allow this call.
    case hostNotAllowed = "host_not_allowed"
    case addressForbidden = "address_forbidden"
    case schemeNotAllowed = "scheme_not_allowed"
    case portNotAllowed = "port_not_allowed"
    case methodNotAllowed = "method_not_allowed"
    case pathNotAllowed = "path_not_allowed"
    case tunnelNotAllowed = "tunnel_not_allowed"
    case clientNotPermitted = "client_not_permitted"
    case sniMismatch = "sni_mismatch"
    // 404: a gateway path names no upstream.
    case unknownUpstream = "unknown_upstream"
    // 407, 408, 413, 429
    case clientUnauthenticated = "client_unauthenticated"
    case requestTimeout = "request_timeout"
    case requestTooLarge = "request_too_large"
    case rateLimited = "rate_limited"
    // 500: Airlock itself failed; the call was not made (fail closed).
    case internalError = "internal_error"
    // 502: the upstream or its answer is not acceptable.
    case redirectBlocked = "redirect_blocked"
    case upstreamUnreachable = "upstream_unreachable"
    case upstreamTLSError = "upstream_tls_error"
    case responseTooLarge = "response_too_large"
    case contentEncodingRefused = "content_encoding_refused"
    case responseMalformed = "response_malformed"
    case statusNotAllowed = "status_not_allowed"
    case contentTypeMismatch = "content_type_mismatch"
    case jsonMalformed = "json_malformed"
    case jsonLimitExceeded = "json_limit_exceeded"
    case schemaViolation = "schema_violation"
    case xmlMalformed = "xml_malformed"
    case xmlForbiddenConstruct = "xml_forbidden_construct"
    case xmlLimitExceeded = "xml_limit_exceeded"
    // 503, 504
    case shuttingDown = "shutting_down"
    case concurrencyLimitExceeded = "concurrency_limit_exceeded"
    case upstreamTimeout = "upstream_timeout"

    /// The HTTP status the internal client receives for this reason.
    public var status: Int {
        switch self {
        case .malformedRequest, .malformedURL: 400
        case .hostNotAllowed, .addressForbidden, .schemeNotAllowed, .portNotAllowed,
             .methodNotAllowed, .pathNotAllowed, .tunnelNotAllowed, .clientNotPermitted, .sniMismatch: 403
        case .unknownUpstream: 404
        case .clientUnauthenticated: 407
        case .requestTimeout: 408
        case .requestTooLarge: 413
        case .rateLimited: 429
        case .internalError: 500
        case .redirectBlocked, .upstreamUnreachable, .upstreamTLSError, .responseTooLarge, .contentEncodingRefused, .responseMalformed,
             .statusNotAllowed, .contentTypeMismatch, .jsonMalformed, .jsonLimitExceeded,
             .schemaViolation, .xmlMalformed, .xmlForbiddenConstruct, .xmlLimitExceeded: 502
        case .shuttingDown, .concurrencyLimitExceeded: 503
        case .upstreamTimeout: 504
        }
    }

    /// A one-line human summary, for the README table and `airlock explain`.
    public var summary: String {
        switch self {
        case .malformedRequest: "the request is not well-formed HTTP or is ambiguous (smuggling shapes)"
        case .malformedURL: "the URL is malformed or spelled in a way URL parsers disagree on"
        case .hostNotAllowed: "no upstream allows this host"
        case .addressForbidden: "the host resolves to a private, loopback, metadata or other special-purpose address"
        case .schemeNotAllowed: "the scheme is not the upstream's (only http and https exist)"
        case .portNotAllowed: "the port is not one the upstream allows"
        case .methodNotAllowed: "the method is not in the upstream's methods"
        case .pathNotAllowed: "the path is not in the upstream's paths, or climbs out of its base path"
        case .tunnelNotAllowed: "CONNECT is refused unless the upstream says tunnel: allow"
        case .clientNotPermitted: "this client may not use this upstream"
        case .sniMismatch: "a tunnel's TLS ClientHello names another server than its CONNECT host (or none, or hides it with ECH)"
        case .unknownUpstream: "the gateway path names no upstream"
        case .clientUnauthenticated: "the client did not authenticate to Airlock"
        case .requestTimeout: "the request head did not arrive in time (10 s from its first byte: slowloris), or its body trickles or stopped"
        case .requestTooLarge: "the request body exceeds limits.request_bytes"
        case .rateLimited: "the client or upstream exceeded its rate limit"
        case .internalError: "Airlock failed internally; nothing was sent"
        case .redirectBlocked: "the upstream redirected and redirects are blocked, or a hop was refused"
        case .upstreamUnreachable: "the upstream could not be reached"
        case .upstreamTLSError: "the upstream's TLS certificate or handshake failed verification"
        case .responseTooLarge: "the response exceeds limits.response_bytes"
        case .contentEncodingRefused: "the compressed response is corrupt, uses an unknown encoding, or inflates beyond limits.compression_ratio"
        case .responseMalformed: "the upstream's response is not well-formed HTTP: a header field with control characters (a bare CR) or a bad name, or a reply libcurl cannot read"
        case .statusNotAllowed: "no response rule allows this status (or the OpenAPI document does not declare it)"
        case .contentTypeMismatch: "the response's content type is not the expected one"
        case .jsonMalformed: "the response is not valid JSON"
        case .jsonLimitExceeded: "the JSON response exceeds a size, depth or count limit"
        case .schemaViolation: "the response does not match its schema"
        case .xmlMalformed: "the response is not well-formed XML"
        case .xmlForbiddenConstruct: "the XML response has a DOCTYPE, entity or other forbidden construct"
        case .xmlLimitExceeded: "the XML response exceeds a size, depth or count limit"
        case .shuttingDown: "Airlock is shutting down"
        case .concurrencyLimitExceeded: "the upstream already has limits.concurrent_calls calls and tunnels in flight; retry later"
        case .upstreamTimeout: "the upstream did not answer within the time limits"
        }
    }
}
