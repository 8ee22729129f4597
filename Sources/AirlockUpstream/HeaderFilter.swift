import AirlockCore

/// Which header fields cross Airlock, in each direction.
///
/// Hop-by-hop fields (RFC 9110 §7.6.1) belong to one connection and are dropped both ways,
/// with any field the `Connection` header names. `Proxy-Authorization` is Airlock's own
/// credential and never reaches a third party; `Host` and `Content-Length` are rebuilt from
/// the URL and the body, so a client cannot make them disagree with what Airlock checked.
public enum HeaderFilter {
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authorization", "proxy-authenticate",
    ]
    static let rebuiltOnRequest: Set<String> = ["host", "content-length", "expect"]
    static let rebuiltOnResponse: Set<String> = ["content-length"]

    /// Fields to send upstream from the client's request fields.
    public static func request(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        let named = connectionNamed(headers)
        return headers.filter { field in
            let lower = field.name.lowercased()
            return !hopByHop.contains(lower) && !rebuiltOnRequest.contains(lower) && !named.contains(lower)
                && !lower.hasPrefix("airlock-")
        }
    }

    /// Fields to hand the client from the upstream's response fields. A HEAD answer keeps the
    /// upstream's Content-Length (there is no body to measure; RFC 9110 §9.3.2).
    /// `Set-Cookie` is removed unless the upstream allows it: a third party must not plant
    /// session state in internal clients that never asked for it.
    public static func response(_ headers: [(name: String, value: String)], head: Bool = false, allowSetCookie: Bool = false) -> [(name: String, value: String)] {
        let named = connectionNamed(headers)
        return headers.filter { field in
            let lower = field.name.lowercased()
            return !hopByHop.contains(lower) && (head || !rebuiltOnResponse.contains(lower)) && !named.contains(lower)
                && !lower.hasPrefix("airlock-") && (allowSetCookie || (lower != "set-cookie" && lower != "set-cookie2"))
        }
    }

    /// Fields that describe the upstream's exact body bytes: its content coding and digests of it
    /// (`Repr-Digest` covers the encoded representation too, RFC 9530).
    static let describingBodyBytes: Set<String> = ["content-encoding", "content-md5", "digest", "content-digest", "repr-digest"]

    /// After Airlock decoded or re-serialized the body: the encoding and the upstream's digests no longer apply.
    public static func bodyReplaced(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        headers.filter { !describingBodyBytes.contains($0.name.lowercased()) }
    }

    /// Drops credentials before a cross-origin redirect hop (what browsers and curl do).
    public static func crossOrigin(_ headers: [(name: String, value: String)]) -> [(name: String, value: String)] {
        headers.filter { !["authorization", "cookie"].contains($0.name.lowercased()) }
    }

    static func connectionNamed(_ headers: [(name: String, value: String)]) -> Set<String> {
        var names: Set<String> = []
        for field in headers where field.name.lowercased() == "connection" {
            for token in field.value.split(separator: ",") {
                names.insert(token.lowercased().trimmingSpaces())
            }
        }
        return names
    }
}
