/// A policy allowlist entry: exact host, `*.suffix` (strict subdomains) or IP literal; refuses patterns that would silently over-match.
public struct HostPattern: Hashable, Sendable, CustomStringConvertible {
    /// What the pattern matches.
    public enum Kind: Hashable, Sendable {
        /// Exactly this normalized DNS name.
        case exact(String)
        /// Any name strictly below this suffix, at any depth, never the suffix itself.
        case subdomains(of: String)
        /// Exactly this IP address.
        case address(IPAddress)
    }

    /// The parsed, normalized pattern.
    public let kind: Kind

    /// Parses a pattern as written in a policy file; throws with a message naming the rule that was broken.
    public init(_ text: String) throws(HostPatternError) {
        if text.isEmpty { throw HostPatternError("empty host pattern") }
        if text.unicodeScalars.contains(where: { !$0.isASCII }) {
            throw HostPatternError("non-ASCII host pattern '\(text)': write internationalized names in punycode (xn--...)")
        }
        if text.hasPrefix("[") && text.hasSuffix("]") && text.utf8.count >= 2 {
            let inner = String(decoding: text.utf8.dropFirst().dropLast(), as: UTF8.self)
            guard let address = IPAddress(inner), !address.isV4 else {
                throw HostPatternError("'\(text)' is not a valid bracketed IPv6 address")
            }
            kind = .address(address)
            return
        }
        if let address = IPAddress(text) {
            kind = .address(address)
            return
        }
        if text.contains(":") { throw HostPatternError("'\(text)' is not a valid IP address (zone ids and ports are not allowed)") }
        let lowered = String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
        if lowered.contains("*") {
            if lowered == "*" { throw HostPatternError("a bare '*' would allow every host") }
            guard lowered.hasPrefix("*.") else {
                throw HostPatternError("wildcard '*' is only allowed as the whole first label, as in '*.example.com'")
            }
            let suffix = String(lowered.dropFirst(2))
            if suffix.isEmpty || suffix == "." { throw HostPatternError("wildcard '\(text)' has no suffix") }
            if suffix.contains("*") {
                throw HostPatternError("wildcard '*' is only allowed as the whole first label, as in '*.example.com'")
            }
            let name = try Self.validatedName(suffix)
            if !name.contains(".") { throw HostPatternError("wildcard over a top-level domain ('\(text)') is not allowed") }
            if IPv4Literal.parse(name) != .notIPv4 { throw HostPatternError("wildcard over a numeric suffix ('\(text)') is not allowed") }
            kind = .subdomains(of: name)
            return
        }
        let name = try Self.validatedName(lowered)
        if IPv4Literal.parse(name) != .notIPv4 {
            throw HostPatternError("'\(text)' is not a canonical IP address; write IPv4 as a.b.c.d")
        }
        kind = .exact(name)
    }

    /// RFC 1035/1123 LDH name check on a lowercase ASCII name; strips one trailing dot.
    private static func validatedName(_ raw: String) throws(HostPatternError) -> String {
        var bytes = Array(raw.utf8)
        if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        if bytes.isEmpty { throw HostPatternError("empty host name in pattern") }
        if bytes.count > 253 { throw HostPatternError("host name longer than 253 characters") }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            if label.isEmpty { throw HostPatternError("empty label in '\(raw)'") }
            if label.count > 63 { throw HostPatternError("label longer than 63 characters in '\(raw)'") }
            for byte in label {
                let allowed = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
                if !allowed {
                    let shown = byte >= 0x21 && byte < 0x7F ? String(UnicodeScalar(byte)) : "0x" + String(byte, radix: 16)
                    throw HostPatternError("invalid character '\(shown)' in '\(raw)' (only a-z, 0-9 and '-' are allowed)")
                }
            }
            if label.first == 0x2D || label.last == 0x2D {
                throw HostPatternError("label starting or ending with '-' in '\(raw)'")
            }
            if label.count >= 4, Array(label.prefix(4)) == Array("xn--".utf8) {
                guard HostNormalizer.isValidPunycodeLabel(Array(label)) else {
                    throw HostPatternError("invalid punycode label in '\(raw)'")
                }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// True when the normalized host (lowercase, no trailing dot, punycode) is allowed by this pattern.
    public func matches(_ host: String) -> Bool {
        switch kind {
        case .exact(let name):
            return host.utf8.elementsEqual(name.utf8)
        case .subdomains(of: let suffix):
            let hostBytes = host.utf8
            let suffixCount = suffix.utf8.count
            guard hostBytes.count > suffixCount + 1 else { return false }
            let tail = hostBytes.suffix(suffixCount + 1)
            guard tail.first == UInt8(ascii: ".") else { return false }
            return tail.dropFirst().elementsEqual(suffix.utf8)
        case .address(let address):
            var text = Substring(host)
            if text.hasPrefix("[") && text.hasSuffix("]") { text = text.dropFirst().dropLast() }
            return IPAddress(String(text)) == address
        }
    }

    /// True when a parsed target host is allowed; names and addresses never match each other.
    public func matches(_ host: TargetURL.Host) -> Bool {
        switch (kind, host) {
        case (.address(let address), .address(let candidate)):
            return address == candidate
        case (.address, .name), (.exact, .address), (.subdomains, .address):
            return false
        case (_, .name(let name)):
            return matches(name)
        }
    }

    /// The pattern in policy-file syntax (`*.suffix`, name, or canonical address).
    public var description: String {
        switch kind {
        case .exact(let name): return name
        case .subdomains(of: let suffix): return "*." + suffix
        case .address(let address): return address.description
        }
    }
}
