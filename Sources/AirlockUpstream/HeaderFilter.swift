import AirlockCore

/// Which header fields cross Airlock, in each direction.
///
/// Hop-by-hop fields (RFC 9110 §7.6.1) belong to one connection and are dropped both ways,
/// with any field the `Connection` header names. `Proxy-Authorization` is Airlock's own
/// credential and never reaches a third party; `Host` and `Content-Length` are rebuilt from
/// the URL and the body, so a client cannot make them disagree with what Airlock checked.
public enum HeaderFilter {
    static let hopByHop = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authorization", "proxy-authenticate",
    ]
    static let rebuiltOnRequest = ["host", "content-length", "expect"]
    static let cookieSetters = ["set-cookie", "set-cookie2"]
    static let credentials = ["authorization", "cookie"]

    /// Whether `name` is one of `names` (lower-case), ignoring ASCII case. Header names are compared
    /// in place: filtering runs on every call, and a lower-cased copy per field is what it would cost.
    static func name(_ name: String, isIn names: [String]) -> Bool {
        names.contains { name.equalsIgnoringASCIICase($0) }
    }

    /// Fields to send upstream from the client's request fields.
    public static func request(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        let named = connectionNamed(headers)
        return headers.filter { field in
            !name(field.name, isIn: hopByHop) && !name(field.name, isIn: rebuiltOnRequest) && !name(field.name, isIn: named)
                && !field.name.hasPrefixIgnoringASCIICase("airlock-")
        }
    }

    /// Fields to hand the client from the upstream's response fields. A HEAD answer keeps the
    /// upstream's Content-Length (there is no body to measure; RFC 9110 §9.3.2).
    /// `Set-Cookie` is removed unless the upstream allows it: a third party must not plant
    /// session state in internal clients that never asked for it.
    public static func response(_ headers: [(name: String, value: String)], head: Bool = false, allowSetCookie: Bool = false) -> [(name: String, value: String)] {
        let named = connectionNamed(headers)
        return headers.filter { field in
            !name(field.name, isIn: hopByHop) && (head || !field.name.equalsIgnoringASCIICase("content-length"))
                && !name(field.name, isIn: named) && !field.name.hasPrefixIgnoringASCIICase("airlock-")
                && (allowSetCookie || !name(field.name, isIn: cookieSetters))
        }
    }

    /// Fields that describe the upstream's exact body bytes: its content coding and digests of it
    /// (`Repr-Digest` covers the encoded representation too, RFC 9530).
    static let describingBodyBytes = ["content-encoding", "content-md5", "digest", "content-digest", "repr-digest"]

    /// After Airlock decoded or re-serialized the body: the encoding and the upstream's digests no longer apply.
    public static func bodyReplaced(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        headers.filter { !name($0.name, isIn: describingBodyBytes) }
    }

    /// Drops credentials before a cross-origin redirect hop (what browsers and curl do).
    public static func crossOrigin(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        headers.filter { !name($0.name, isIn: credentials) }
    }

    /// The field names a `Connection` header lists (lower-cased): hop-by-hop too (RFC 9110 §7.6.1).
    static func connectionNamed(_ headers: [(name: String, value: String)]) -> [String] {
        var names: [String] = []
        for field in headers where field.name.equalsIgnoringASCIICase("connection") {
            for token in field.value.split(separator: ",") {
                names.append(token.lowercased().trimmingSpaces())
            }
        }
        return names
    }
}
