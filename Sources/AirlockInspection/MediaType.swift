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

    /// Parses a header value; nil when it is not `type/subtype` (a lie or garbage is refused, not guessed).
    public init?(_ header: String) {
        let parts = header.split(separator: ";", omittingEmptySubsequences: false)
        let type = parts[0].trimmingSpaces().lowercased()
        let halves = type.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, halves.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(Self.isTokenByte) }) else { return nil }
        name = type
        var charset: String?
        for parameter in parts.dropFirst() {
            guard let eq = parameter.firstIndex(of: "=") else { continue }
            if parameter[..<eq].trimmingSpaces().lowercased() == "charset" {
                var value = parameter[parameter.index(after: eq)...].trimmingSpaces()
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                charset = value.lowercased()
            }
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

    static func isTokenByte(_ c: UInt8) -> Bool {
        (0x30...0x39).contains(c) || (0x41...0x5a).contains(c) || (0x61...0x7a).contains(c) || "!#$%&'*+-.^_`|~".utf8.contains(c)
    }
}
