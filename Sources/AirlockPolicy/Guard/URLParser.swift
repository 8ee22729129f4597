/// Absolute-URL parser for proxy request targets and redirects that refuses every construct parsers disagree on (Orange Tsai, "A New Era of SSRF").
public enum URLParser {
    /// Parses `scheme://host[:port][/path][?query][#fragment]`; throws on anything ambiguous instead of guessing.
    public static func parse(_ text: String) throws(URLRejection) -> TargetURL {
        let scalars = Array(text.unicodeScalars)
        try checkWholeInput(scalars)
        guard let colon = scalars.firstIndex(of: ":") else { throw URLRejection("missing scheme") }
        let scheme = try parseScheme(scalars[0..<colon])
        guard scalars.count > colon + 2, scalars[colon + 1] == "/", scalars[colon + 2] == "/" else {
            throw URLRejection("missing '//' after scheme")
        }
        let authorityStart = colon + 3
        let authorityEnd = scalars[authorityStart...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? scalars.count
        let rest = scalars[authorityEnd...]
        if let bad = rest.first(where: { !$0.isASCII }) {
            throw URLRejection("non-ASCII character U+\(HostNormalizer.hex(bad)) outside the host")
        }
        if let first = rest.first, first != "/", rest.contains("@") {
            throw URLRejection("'@' after an authority without a path is ambiguous")
        }
        let (host, explicit) = try splitAuthority(scalars[authorityStart..<authorityEnd], portRequired: false)
        let port = explicit ?? defaultPort(scheme)
        var path = ""
        var query: String?
        var index = authorityEnd
        while index < scalars.count, scalars[index] != "?", scalars[index] != "#" {
            path.unicodeScalars.append(scalars[index])
            index += 1
        }
        if index < scalars.count, scalars[index] == "?" {
            var raw = ""
            index += 1
            while index < scalars.count, scalars[index] != "#" {
                raw.unicodeScalars.append(scalars[index])
                index += 1
            }
            query = raw
        }
        if path.isEmpty { path = "/" }
        return TargetURL(scheme: scheme, host: host, port: port, explicitPort: explicit != nil, path: path, query: query)
    }

    /// Normalizes a bare host (no port), e.g. from a Host header or CONNECT target after splitting; same rules as URL hosts.
    public static func normalizeHost(_ raw: String) throws(URLRejection) -> TargetURL.Host {
        let scalars = Array(raw.unicodeScalars)
        try checkWholeInput(scalars)
        return try HostNormalizer.normalize(scalars[...])
    }

    /// Parses a CONNECT target `host:port` or `[v6]:port` (RFC 9110 section 9.3.6); the port is mandatory.
    public static func parseAuthority(_ text: String) throws(URLRejection) -> (host: TargetURL.Host, port: Int) {
        let scalars = Array(text.unicodeScalars)
        try checkWholeInput(scalars)
        let (host, port) = try splitAuthority(scalars[...], portRequired: true)
        guard let port else { throw URLRejection("missing port in authority") }
        return (host, port)
    }

    /// Parses a Host header value `host[:port]` (RFC 9110 section 7.2); the port is nil when absent.
    public static func parseHostHeader(_ text: String) throws(URLRejection) -> (host: TargetURL.Host, port: Int?) {
        let scalars = Array(text.unicodeScalars)
        try checkWholeInput(scalars)
        let (host, port) = try splitAuthority(scalars[...], portRequired: false)
        return (host, port)
    }

    /// Default port for the schemes the proxy speaks, 0 for any other.
    private static func defaultPort(_ scheme: String) -> Int {
        switch scheme {
        case "http": return 80
        case "https": return 443
        default: return 0
        }
    }

    /// Whole-input rules: non-empty, no surrounding whitespace, no controls, DEL, NUL, spaces or backslashes anywhere.
    private static func checkWholeInput(_ scalars: [Unicode.Scalar]) throws(URLRejection) {
        guard let first = scalars.first, let last = scalars.last else { throw URLRejection("empty input") }
        if first.properties.isWhitespace || last.properties.isWhitespace {
            throw URLRejection("leading or trailing whitespace")
        }
        for scalar in scalars {
            switch scalar.value {
            case 0x00: throw URLRejection("NUL character")
            case 0x01..<0x20, 0x7F: throw URLRejection("control character U+\(HostNormalizer.hex(scalar))")
            case 0x20: throw URLRejection("space character")
            case 0x5C: throw URLRejection("backslash")
            default: continue
            }
        }
    }

    /// RFC 3986 section 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), returned lowercased.
    private static func parseScheme(_ scalars: ArraySlice<Unicode.Scalar>) throws(URLRejection) -> String {
        guard let first = scalars.first else { throw URLRejection("missing scheme") }
        guard isASCIILetter(first) else {
            throw URLRejection("invalid scheme")
        }
        var scheme = ""
        for scalar in scalars {
            let allowed = isASCIILetter(scalar) || (scalar.value >= 0x30 && scalar.value <= 0x39)
                || scalar == "+" || scalar == "-" || scalar == "."
            guard allowed else { throw URLRejection("invalid scheme") }
            let value = scalar.value >= 0x41 && scalar.value <= 0x5A ? scalar.value + 0x20 : scalar.value
            scheme.unicodeScalars.append(Unicode.Scalar(UInt8(truncatingIfNeeded: value)))
        }
        return scheme
    }

    /// Splits `host[:port]` / `[v6][:port]`, refusing userinfo and multiple colons, then normalizes the host.
    private static func splitAuthority(
        _ authority: ArraySlice<Unicode.Scalar>, portRequired: Bool
    ) throws(URLRejection) -> (TargetURL.Host, Int?) {
        if authority.isEmpty { throw URLRejection("empty host") }
        if authority.contains("@") { throw URLRejection("userinfo ('@') is not allowed") }
        var hostPart = authority
        var portPart: ArraySlice<Unicode.Scalar>?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { throw URLRejection("unterminated '[' in host") }
            hostPart = authority[authority.startIndex...close]
            let after = authority[(close + 1)...]
            if let separator = after.first {
                guard separator == ":" else { throw URLRejection("unexpected characters after ']'") }
                portPart = after.dropFirst()
            }
        } else {
            let colons = authority.indices.filter { authority[$0] == ":" }
            if colons.count > 1 { throw URLRejection("more than one ':' in authority (unbracketed IPv6 or duplicate port)") }
            if let colon = colons.first {
                hostPart = authority[authority.startIndex..<colon]
                portPart = authority[(colon + 1)...]
            }
        }
        if hostPart.isEmpty { throw URLRejection("empty host") }
        let host = try HostNormalizer.normalize(hostPart)
        guard let portPart else {
            if portRequired { throw URLRejection("missing port in authority") }
            return (host, nil)
        }
        return (host, try parsePort(portPart))
    }

    /// Decimal port 1...65535: no sign, no leading zeros, no empty value, nothing but ASCII digits.
    private static func parsePort(_ scalars: ArraySlice<Unicode.Scalar>) throws(URLRejection) -> Int {
        guard let first = scalars.first else { throw URLRejection("empty port after ':'") }
        if first == "+" || first == "-" { throw URLRejection("signed port") }
        guard scalars.allSatisfy({ $0.value >= 0x30 && $0.value <= 0x39 }) else { throw URLRejection("non-numeric port") }
        if first == "0" && scalars.count > 1 { throw URLRejection("port with leading zeros") }
        guard scalars.count <= 5 else { throw URLRejection("port out of range") }
        let port = scalars.reduce(0) { $0 * 10 + Int($1.value - 0x30) }
        if port == 0 { throw URLRejection("port 0 is not allowed") }
        guard port <= 65535 else { throw URLRejection("port out of range") }
        return port
    }

    /// ASCII A-Z / a-z.
    private static func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value >= 0x41 && scalar.value <= 0x5A) || (scalar.value >= 0x61 && scalar.value <= 0x7A)
    }
}
