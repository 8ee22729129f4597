/// Minimal RFC 3986 URI reference handling for `$id`/`$ref` resolution (no network, strings only).
struct URIReference: Sendable, Equatable {
    var scheme: String?
    var authority: String?
    var path: String
    var query: String?
    var fragment: String?

    /// Splits a reference into its five components.
    init(_ s: String) {
        var rest = Substring(s)
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        if let q = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: q)...])
            rest = rest[..<q]
        }
        if let colon = rest.firstIndex(of: ":"),
           let first = rest.first, first.isLetter,
           rest[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) {
            scheme = String(rest[..<colon])
            rest = rest[rest.index(after: colon)...]
        }
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            authority = String(rest[..<end])
            rest = rest[end...]
        }
        path = String(rest)
    }

    private init(scheme: String?, authority: String?, path: String, query: String?, fragment: String?) {
        self.scheme = scheme
        self.authority = authority
        self.path = path
        self.query = query
        self.fragment = fragment
    }

    /// Recomposes the reference.
    var string: String {
        var out = ""
        if let scheme { out += scheme + ":" }
        if let authority { out += "//" + authority }
        out += path
        if let query { out += "?" + query }
        if let fragment { out += "#" + fragment }
        return out
    }

    /// The reference without its fragment.
    var withoutFragment: String {
        var c = self
        c.fragment = nil
        return c.string
    }

    /// Resolves `ref` against `base` (RFC 3986 §5.2.2).
    static func resolve(_ ref: String, against base: String) -> String {
        let r = URIReference(ref)
        let b = URIReference(base)
        if r.scheme != nil {
            return URIReference(scheme: r.scheme, authority: r.authority, path: removeDots(r.path),
                                query: r.query, fragment: r.fragment).string
        }
        var t = URIReference(scheme: b.scheme, authority: nil, path: "", query: nil, fragment: r.fragment)
        if r.authority != nil {
            t.authority = r.authority
            t.path = removeDots(r.path)
            t.query = r.query
        } else {
            t.authority = b.authority
            if r.path.isEmpty {
                t.path = b.path
                t.query = r.query ?? b.query
            } else {
                if r.path.hasPrefix("/") {
                    t.path = removeDots(r.path)
                } else if b.authority != nil && b.path.isEmpty {
                    t.path = removeDots("/" + r.path)
                } else if let slash = b.path.lastIndex(of: "/") {
                    t.path = removeDots(String(b.path[...slash]) + r.path)
                } else {
                    t.path = removeDots(r.path)
                }
                t.query = r.query
            }
        }
        return t.string
    }

    /// Removes `.` and `..` segments.
    static func removeDots(_ path: String) -> String {
        if !path.contains(".") { return path }
        var out: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for (k, seg) in segments.enumerated() {
            if seg == "." {
                if k == segments.count - 1 { out.append("") }
            } else if seg == ".." {
                if out.count > 1 { out.removeLast() }
                if k == segments.count - 1 { out.append("") }
            } else {
                out.append(seg)
            }
        }
        return out.joined(separator: "/")
    }
}
