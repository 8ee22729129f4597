/// WHATWG-URL IPv4 host parsing (decimal/octal/hex, 1-4 parts): the lenient spellings SSRF payloads use, e.g. `0x7f.1` or `2130706433`.
public enum IPv4Literal {
    /// Outcome of parsing a host as a lenient IPv4 literal.
    public enum Result: Equatable, Sendable {
        /// The host does not end in a numeric label, so it is a domain name (WHATWG "ends in a number" is false).
        case notIPv4
        /// The host is an IPv4 literal in some spelling, normalized to this address.
        case address(IPAddress)
        /// The host looks numeric but is malformed (overflow, > 4 parts, bad digits); callers must refuse it.
        case invalid
    }

    /// Classifies and parses `host` as browsers and curl would; never traps, even on 1000-digit parts.
    public static func parse(_ host: String) -> Result {
        let text = Array(host.utf8)
        var parts: [ArraySlice<UInt8>] = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        // The last non-empty label decides whether the host is "IPv4-looking" (stricter than WHATWG's single trailing-dot rule).
        guard let last = parts.last(where: { !$0.isEmpty }), endsInNumber(last) else { return .notIPv4 }
        if parts.count > 1, let final = parts.last, final.isEmpty {
            parts.removeLast()
        }
        guard parts.count <= 4 else { return .invalid }
        var numbers: [UInt64] = []
        numbers.reserveCapacity(4)
        for part in parts {
            guard let number = parseNumber(part) else { return .invalid }
            numbers.append(number)
        }
        var value: UInt64 = 0
        for number in numbers.dropLast() {
            guard number <= 255 else { return .invalid }
            value = value << 8 | number
        }
        guard let lastNumber = numbers.last else { return .invalid }
        let remainingBits = UInt64(8 * (5 - numbers.count))
        guard lastNumber < (UInt64(1) << remainingBits) else { return .invalid }
        value = value << remainingBits | lastNumber
        return .address(.v4(UInt32(truncatingIfNeeded: value)))
    }

    /// WHATWG "ends in a number": all decimal digits, or a 0x/0X prefix followed by zero or more hex digits.
    private static func endsInNumber(_ label: ArraySlice<UInt8>) -> Bool {
        if label.allSatisfy(isDecimal) { return true }
        guard let body = hexBody(label) else { return false }
        return body.allSatisfy { IPAddressText.hexValue($0) != nil }
    }

    /// The digits after a 0x/0X prefix, or nil when there is no such prefix.
    private static func hexBody(_ label: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard label.count >= 2 else { return nil }
        let first = label[label.startIndex]
        let second = label[label.startIndex + 1]
        guard first == UInt8(ascii: "0"), second == UInt8(ascii: "x") || second == UInt8(ascii: "X") else { return nil }
        return label.dropFirst(2)
    }

    /// One part: hex after 0x, octal with a leading 0, else decimal; nil on empty, bad digit or value >= 2^32.
    private static func parseNumber(_ part: ArraySlice<UInt8>) -> UInt64? {
        guard !part.isEmpty else { return nil }
        var digits = part
        var radix: UInt64 = 10
        if let body = hexBody(part) {
            digits = body
            radix = 16
        } else if part.count >= 2 && part[part.startIndex] == UInt8(ascii: "0") {
            digits = part.dropFirst()
            radix = 8
        }
        var value: UInt64 = 0
        for byte in digits {
            let digit: UInt64
            if let hex = IPAddressText.hexValue(byte) { digit = UInt64(hex) } else { return nil }
            guard digit < radix else { return nil }
            value = value * radix + digit
            // Cap far below UInt64 overflow: anything >= 2^32 is already invalid for every position.
            if value > UInt64(UInt32.max) { return nil }
        }
        return value
    }

    /// ASCII 0-9.
    private static func isDecimal(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
