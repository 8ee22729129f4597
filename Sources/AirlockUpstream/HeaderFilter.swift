import AirlockCore

/// Which header fields cross Airlock, in each direction.
///
/// Hop-by-hop fields (RFC 9110 §7.6.1) belong to one connection and are dropped both ways,
/// with any field the `Connection` header names. `Proxy-Authorization` is Airlock's own
/// credential and never reaches a third party; `Host` and `Content-Length` are rebuilt from
/// the URL and the body, so a client cannot make them disagree with what Airlock checked.
public enum HeaderFilter {
    static let hopByHop = FieldNames([
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authorization", "proxy-authenticate",
    ])
    static let rebuiltOnRequest = FieldNames(["host", "content-length", "expect"])
    static let cookieSetters = FieldNames(["set-cookie", "set-cookie2"])

    /// Whether `name` is one of `names` (lower-case), ignoring ASCII case. Usually `names` is empty,
    /// or small and compared in place; a set, because its size is the peer's to choose (a 128 KiB
    /// `Connection` header lists some 65,000 names, and a scan per field would be quadratic).
    static func name(_ name: String, isIn names: Set<String>) -> Bool {
        if names.count <= 8 { return names.contains { name.equalsIgnoringASCIICase($0) } }
        return names.contains(name.lowercased())
    }

    /// Fields to send upstream from the client's request fields.
    public static func request(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        let named = connectionNamed(headers)
        return headers.filter { field in
            !hopByHop.contains(field.name) && !rebuiltOnRequest.contains(field.name) && !name(field.name, isIn: named)
                && !field.name.hasPrefixIgnoringASCIICase("airlock-")
        }
    }

    /// Fields to hand the client from the upstream's response fields. A HEAD answer keeps the
    /// upstream's Content-Length (there is no body to measure; RFC 9110 §9.3.2) when it is one
    /// decimal number; two of them, or one with anything else in it, are dropped.
    /// `Set-Cookie` is removed unless the upstream allows it: a third party must not plant
    /// session state in internal clients that never asked for it.
    public static func response(_ headers: [(name: String, value: String)], head: Bool = false, allowSetCookie: Bool = false) -> [(name: String, value: String)] {
        let named = connectionNamed(headers)
        let keepLength = head && declaredLength(headers) != nil
        return headers.filter { field in
            !hopByHop.contains(field.name) && (keepLength || !field.name.equalsIgnoringASCIICase("content-length"))
                && !name(field.name, isIn: named) && !field.name.hasPrefixIgnoringASCIICase("airlock-")
                && (allowSetCookie || !cookieSetters.contains(field.name))
        }
    }

    /// The body length a response head declares: its one `Content-Length`, when that is a plain
    /// decimal number (no sign, no spaces, at most 18 digits); nil for none, two, or anything else.
    public static func declaredLength(_ fields: [(name: String, value: String)]) -> Int? {
        var found: Int?
        for field in fields where field.name.equalsIgnoringASCIICase("content-length") {
            let digits = field.value.utf8
            guard found == nil, !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let value = Int(field.value) else { return nil }
            found = value
        }
        return found
    }

    /// Fields that describe the upstream's exact body bytes: its content coding and digests of it
    /// (`Repr-Digest` covers the encoded representation too, RFC 9530).
    static let describingBodyBytes = FieldNames(["content-encoding", "content-md5", "digest", "content-digest", "repr-digest"])

    /// After Airlock decoded or re-serialized the body: the encoding and the upstream's digests no longer apply.
    public static func bodyReplaced(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        headers.filter { !describingBodyBytes.contains($0.name) }
    }

    /// The fields a redirect hop to another origin keeps: what describes the request, nothing that
    /// could be a credential. Browsers and curl drop only `Authorization` and `Cookie`; an API key
    /// travels in a header of any name (`X-Api-Key`, `Private-Token`, …), so here every other field stays behind.
    static let crossOriginSafe = FieldNames([
        "accept", "accept-language", "accept-encoding", "user-agent", "content-type", "content-language",
        "cache-control", "pragma", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range",
        "range", "traceparent", "tracestate",
    ])

    /// The fields that go on to a redirect hop at another origin.
    public static func crossOrigin(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        headers.filter { crossOriginSafe.contains($0.name) }   // no credential is among them
    }

    /// Fields that describe a request body, dropped when a redirect turns the call into a GET without one.
    static let describingRequestBody = FieldNames(["content-type", "content-encoding", "content-language", "content-md5", "digest", "content-digest", "repr-digest"])

    /// After a redirect dropped the request body (303, or 301/302 after POST).
    public static func bodyDropped(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        headers.filter { !describingRequestBody.contains($0.name) }
    }

    /// The field names a `Connection` header lists (lower-cased): hop-by-hop too (RFC 9110 §7.6.1).
    /// Names that are hop-by-hop anyway (the usual `keep-alive`) and `close` (an option, reserved as a
    /// field name) are left out, so the usual answers leave the set empty and filtering compares in place.
    static func connectionNamed(_ headers: [(name: String, value: String)]) -> Set<String> {
        var names: Set<String> = []
        for field in headers where field.name.equalsIgnoringASCIICase("connection") {
            for token in field.value.split(separator: ",") {
                let name = token.lowercased().trimmingSpaces()
                if !hopByHop.contains(name) && name != "close" { names.insert(name) }
            }
        }
        return names
    }
}

/// A fixed set of lower-case field names, matched ignoring ASCII case without a lower-cased
/// copy; only the members as long as the name are compared (usually none or one).
struct FieldNames: Sendable {
    private let byLength: [[String]]

    init(_ names: [String]) {
        var table = [[String]](repeating: [], count: (names.map(\.utf8.count).max() ?? 0) + 1)
        for name in names { table[name.utf8.count].append(name) }
        byLength = table
    }

    func contains(_ name: String) -> Bool {
        let length = name.utf8.count
        guard length < byLength.count else { return false }
        return byLength[length].contains { name.equalsIgnoringASCIICase($0) }
    }
}
