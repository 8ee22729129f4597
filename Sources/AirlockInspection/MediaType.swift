import AirlockCore

/// A parsed `Content-Type` value (RFC 9110 §8.3): media type lower-cased, parameters apart.
public struct MediaType: Sendable, Equatable {
    /// Which body parser a media type calls for.
    public enum Family: Sendable, Equatable {
        /// `application/json`, `*/*+json`.
        case json
        /// `application/xml`, `text/xml`, `*/*+xml`.
        case xml
        /// Anything else: only passed through when a rule names it.
        case other
    }

    /// `type/subtype`, lower case.
    public let name: String
    /// The `charset` parameter, lower case, without quotes.
    public let charset: String?

    /// Parses a header value; nil when it is not `type/subtype` with well-formed parameters (a lie
    /// or garbage is refused, not guessed). Parameters are `name=token` or `name="text"` without
    /// `;`, `"` or `\` inside, each name once: parsers disagree on anything else, and a value that
    /// one reads as `charset=utf-8` and another (quote-aware, or first-wins) as `charset=utf-7` would
    /// be checked as one text and decoded by the client as another.
    public init?(_ header: String) {
        let parts = header.split(separator: ";", omittingEmptySubsequences: false)
        let type = parts[0].trimmingSpaces().lowercased()
        let halves = type.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, halves.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(HTTPText.isTokenByte) }) else { return nil }
        name = type
        var charset: String?
        var seen: Set<String> = []
        for parameter in parts.dropFirst() {
            let text = parameter.trimmingSpaces()
            if text.isEmpty { continue }   // `type/subtype;`
            guard let eq = text.firstIndex(of: "=") else { return nil }
            let key = text[..<eq].trimmingSpaces().lowercased()
            var value = text[text.index(after: eq)...].trimmingSpaces()
            guard !key.isEmpty, key.utf8.allSatisfy(HTTPText.isTokenByte), seen.insert(key).inserted else { return nil }
            if value.hasPrefix("\"") {
                let inner = value.dropFirst().dropLast()
                guard value.count >= 2, value.hasSuffix("\""), !inner.contains("\""), !inner.contains("\\") else { return nil }
                value = String(inner)
            } else {
                guard !value.isEmpty, value.utf8.allSatisfy(HTTPText.isTokenByte) else { return nil }
            }
            if key == "charset" { charset = value.lowercased() }
        }
        self.charset = charset
    }

    /// The parser family.
    public var family: Family {
        if name == "application/json" || name.hasSuffix("+json") { return .json }
        if name == "application/xml" || name == "text/xml" || name.hasSuffix("+xml") { return .xml }
        return .other
    }

    /// Whether a pattern from a rule (`application/json`, `application/*`, `*/*+json`, `*/*`) covers this type.
    public func matches(_ pattern: String) -> Bool {
        if pattern == name || pattern == "*/*" { return true }
        if pattern.hasPrefix("*/*+") { return name.hasSuffix(String(pattern.dropFirst(3))) }
        if pattern.hasSuffix("/*") { return name.hasPrefix(String(pattern.dropLast(1))) }
        return false
    }

    /// The family a rule's content-type pattern implies.
    static func family(ofPattern pattern: String) -> Family {
        if pattern.hasSuffix("/*") || pattern == "*/*" { return .other }
        return (MediaType(pattern) ?? MediaType("application/octet-stream")!).family
    }
}
