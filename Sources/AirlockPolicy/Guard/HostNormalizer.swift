/// Host normalization shared by URLs, CONNECT authorities and Host headers, refusing spellings two parsers could read differently.
internal enum HostNormalizer {
    /// Raw hosts longer than this are refused before any per-label work (a valid name is at most 253 octets).
    static let maximumRawLength = 1024

    /// Validates and normalizes one host (no port): bracketed IPv6, lenient IPv4 (normalized), or a DNS/IDN name.
    static func normalize(_ raw: ArraySlice<Unicode.Scalar>) throws(URLRejection) -> TargetURL.Host {
        guard let first = raw.first, let last = raw.last else { throw URLRejection("empty host") }
        guard raw.count <= maximumRawLength else { throw URLRejection("host is too long") }
        if first == "[" {
            guard last == "]", raw.count >= 2 else { throw URLRejection("unterminated '[' in host") }
            let inner = raw.dropFirst().dropLast()
            if inner.contains("%") { throw URLRejection("IPv6 zone identifiers are not allowed") }
            var text = String.UnicodeScalarView()
            text.append(contentsOf: inner)
            guard let address = IPAddress(String(text)), !address.isV4 else {
                throw URLRejection("bracketed host is not a valid IPv6 address")
            }
            return .address(address)
        }
        if raw.count == 1 && first == "." { throw URLRejection("empty host") }
        var labels: [ArraySlice<Unicode.Scalar>] = raw.split(separator: ".", omittingEmptySubsequences: false)
        for scalar in raw { try checkHostScalar(scalar) }
        if labels.count >= 2, labels[labels.count - 1].isEmpty {
            if labels[labels.count - 2].isEmpty { throw URLRejection("host ends in more than one dot") }
            labels.removeLast()
        }
        var asciiLabels: [String] = []
        asciiLabels.reserveCapacity(labels.count)
        for label in labels {
            guard !label.isEmpty else { throw URLRejection("empty label in host") }
            let ascii = try normalizeLabel(label)
            guard ascii.utf8.count <= 63 else { throw URLRejection("host label longer than 63 characters") }
            asciiLabels.append(ascii)
        }
        let name = asciiLabels.joined(separator: ".")
        guard name.utf8.count <= 253 else { throw URLRejection("host name longer than 253 characters") }
        switch IPv4Literal.parse(name) {
        case .address(let address): return .address(address)
        case .invalid: throw URLRejection("malformed IPv4 address in host")
        case .notIPv4: return .name(name)
        }
    }

    /// Per-character host rules: letters, digits, '-', '_', '.'; specific messages for the known SSRF tricks.
    private static func checkHostScalar(_ scalar: Unicode.Scalar) throws(URLRejection) {
        switch scalar.value {
        case 0x61...0x7A, 0x41...0x5A, 0x30...0x39, 0x2D, 0x5F, 0x2E:
            return
        case 0x25:
            throw URLRejection("percent-encoded characters are not allowed in the host")
        case 0x3002, 0xFF0E, 0xFF61:
            throw URLRejection("ideographic or full-width dot in host")
        case 0x40:
            throw URLRejection("userinfo ('@') is not allowed")
        case 0x3A:
            throw URLRejection("unexpected ':' in host")
        case 0x00..<0x80:
            throw URLRejection("invalid character '\(printable(scalar))' in host")
        default:
            return  // Non-ASCII: judged per label by `normalizeIDNLabel`.
        }
    }

    /// Lowercases an ASCII label (validating any `xn--` form) or converts a Unicode label to punycode.
    private static func normalizeLabel(_ label: ArraySlice<Unicode.Scalar>) throws(URLRejection) -> String {
        if label.allSatisfy({ $0.isASCII }) {
            var bytes: [UInt8] = label.map { scalar in
                let byte = UInt8(truncatingIfNeeded: scalar.value)
                return byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte
            }
            if bytes.count >= 4, bytes[0] == 0x78, bytes[1] == 0x6E, bytes[2] == 0x2D, bytes[3] == 0x2D {
                bytes = try validatedPunycodeLabel(bytes)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        return try normalizeIDNLabel(label)
    }

    /// A Unicode label must already be in the form UTS 46 would produce (lowercase, NFC, no compatibility forms); then punycode.
    private static func normalizeIDNLabel(_ label: ArraySlice<Unicode.Scalar>) throws(URLRejection) -> String {
        guard label.count <= 63 else { throw URLRejection("host label longer than 63 characters") }
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(label.count)
        for scalar in label {
            if scalar.value >= 0x41 && scalar.value <= 0x5A {
                scalars.append(Unicode.Scalar(UInt8(truncatingIfNeeded: scalar.value + 0x20)))
            } else if scalar.isASCII {
                scalars.append(scalar)
            } else {
                // Full Unicode lowercase mapping; `checkUnicodeLabel` then refuses anything IDNA would still remap.
                scalars.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        try checkUnicodeLabel(scalars)
        guard let encoded = Punycode.encode(scalars) else { throw URLRejection("host label cannot be punycode-encoded") }
        return "xn--" + encoded
    }

    /// True when an `xn--` label (lowercase ASCII bytes, prefix included) is one this parser would accept.
    static func isValidPunycodeLabel(_ bytes: [UInt8]) -> Bool {
        do {
            _ = try validatedPunycodeLabel(bytes)
            return true
        } catch {
            return false
        }
    }

    /// Decodes an `xn--` label and refuses it unless it round-trips and decodes to an acceptable Unicode label.
    private static func validatedPunycodeLabel(_ bytes: [UInt8]) throws(URLRejection) -> [UInt8] {
        let body = String(decoding: bytes.dropFirst(4), as: UTF8.self)
        guard let decoded = Punycode.decode(body), decoded.contains(where: { !$0.isASCII }),
              let reencoded = Punycode.encode(decoded), Array(reencoded.utf8) == Array(bytes.dropFirst(4)) else {
            throw URLRejection("invalid punycode label in host")
        }
        for scalar in decoded where scalar.isASCII {
            let value = scalar.value
            let allowed = (0x61...0x7A).contains(value) || (0x30...0x39).contains(value) || value == 0x2D || value == 0x5F
            guard allowed else { throw URLRejection("invalid punycode label in host") }
        }
        do {
            try checkUnicodeLabel(decoded)
        } catch {
            throw URLRejection("invalid punycode label in host (\(error.message))")
        }
        return bytes
    }

    /// IDNA-ish checks on a lowercase label: only letters/marks/digits, no remapped or deviation characters, NFC, no leading mark.
    private static func checkUnicodeLabel(_ scalars: [Unicode.Scalar]) throws(URLRejection) {
        if let first = scalars.first, isMark(first) {
            throw URLRejection("host label starts with a combining mark")
        }
        for scalar in scalars where !scalar.isASCII {
            switch scalar.value {
            case 0x00DF, 0x03C2, 0x200C, 0x200D:
                throw URLRejection("IDNA deviation character U+\(hex(scalar)) in host")
            default:
                break
            }
            if scalar.properties.changesWhenNFKCCaseFolded {
                throw URLRejection("character U+\(hex(scalar)) in host would be remapped by IDNA (uppercase, full-width or compatibility form)")
            }
            switch scalar.properties.generalCategory {
            case .lowercaseLetter, .modifierLetter, .otherLetter, .nonspacingMark, .spacingMark, .decimalNumber:
                continue
            default:
                throw URLRejection("invalid character U+\(hex(scalar)) in host")
            }
        }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars)
        let string = String(text)
        // Swift's stdlib exposes NFC only via this underscored (but public, non-SPI) API; Foundation is avoided on purpose.
        guard string.utf8.elementsEqual(string._nfcCodeUnits) else {
            throw URLRejection("host label is not in Unicode normalization form C")
        }
    }

    /// Combining marks (Mn, Mc, Me).
    private static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// Uppercase hex of a scalar value, at least 4 digits.
    static func hex(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// A printable rendering of an ASCII scalar for error messages (controls as U+XXXX).
    static func printable(_ scalar: Unicode.Scalar) -> String {
        scalar.value >= 0x21 && scalar.value < 0x7F ? String(Character(scalar)) : "U+\(hex(scalar))"
    }
}
