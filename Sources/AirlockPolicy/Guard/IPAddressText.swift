/// Strict text parsing and canonical (RFC 5952) formatting for `IPAddress`; internal so only one spelling rule exists.
internal enum IPAddressText {
    private static let colon = UInt8(ascii: ":")
    private static let dot = UInt8(ascii: ".")

    /// Canonical dotted quad only: exactly 4 decimal parts 0-255 without leading zeros (RFC 6943 strict form).
    static func parseStrictV4(_ text: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var parts = 0
        var part: UInt32 = 0
        var digits = 0
        var leadingZero = false
        for byte in text {
            if byte == dot {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | part
                parts += 1
                part = 0
                digits = 0
                leadingZero = false
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                if leadingZero { return nil }
                if digits == 0 && byte == UInt8(ascii: "0") { leadingZero = true }
                part = part * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                if digits > 3 || part > 255 { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        return value << 8 | part
    }

    /// RFC 4291 section 2.2 text forms: 8 groups, one `::`, optional trailing dotted quad; no zone id, no brackets.
    static func parseV6(_ text: [UInt8]) -> (UInt64, UInt64)? {
        var doubleColon: Int?
        var index = 0
        while index + 1 < text.count {
            if text[index] == colon && text[index + 1] == colon {
                if doubleColon != nil { return nil }
                doubleColon = index
                index += 2
            } else {
                index += 1
            }
        }
        var groups: [UInt16]
        if let split = doubleColon {
            guard let head = parseGroups(text[0..<split], mayEndWithV4: false),
                  let tail = parseGroups(text[(split + 2)...], mayEndWithV4: true),
                  head.count + tail.count <= 7 else { return nil }
            groups = head
            groups.append(contentsOf: repeatElement(0, count: 8 - head.count - tail.count))
            groups.append(contentsOf: tail)
        } else {
            guard let all = parseGroups(text[...], mayEndWithV4: true), all.count == 8 else { return nil }
            groups = all
        }
        var hi: UInt64 = 0
        var lo: UInt64 = 0
        for index in 0..<4 { hi = hi << 16 | UInt64(groups[index]) }
        for index in 4..<8 { lo = lo << 16 | UInt64(groups[index]) }
        return (hi, lo)
    }

    /// Parses `h16 *(":" h16) [":" IPv4]`; an empty slice yields no groups, any empty group is an error.
    private static func parseGroups(_ text: ArraySlice<UInt8>, mayEndWithV4: Bool) -> [UInt16]? {
        var groups: [UInt16] = []
        if text.isEmpty { return groups }
        var start = text.startIndex
        while true {
            let end = text[start...].firstIndex(of: colon) ?? text.endIndex
            let piece = text[start..<end]
            if piece.contains(dot) {
                guard mayEndWithV4, end == text.endIndex, let v4 = parseStrictV4(piece) else { return nil }
                groups.append(UInt16(truncatingIfNeeded: v4 >> 16))
                groups.append(UInt16(truncatingIfNeeded: v4))
            } else {
                guard let group = parseHexGroup(piece) else { return nil }
                groups.append(group)
            }
            if groups.count > 8 { return nil }
            if end == text.endIndex { return groups }
            start = end + 1
            if start == text.endIndex { return nil }
        }
    }

    /// One to four hex digits (either case).
    private static func parseHexGroup(_ text: ArraySlice<UInt8>) -> UInt16? {
        guard !text.isEmpty, text.count <= 4 else { return nil }
        var value: UInt16 = 0
        for byte in text {
            guard let digit = hexValue(byte) else { return nil }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// Value of an ASCII hex digit, or nil.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Dotted quad of a host-order IPv4 value.
    static func formatV4(_ value: UInt32) -> String {
        "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
    }

    /// RFC 5952 text: lowercase, no leading zeros, longest (first on tie) run of >= 2 zero groups as `::`, mapped v4 dotted.
    static func formatV6(hi: UInt64, lo: UInt64) -> String {
        if hi == 0 && lo >> 32 == 0xFFFF {
            return "::ffff:" + formatV4(UInt32(truncatingIfNeeded: lo))
        }
        let address = IPAddress.v6(hi: hi, lo: lo)
        var groups: [UInt16] = []
        groups.reserveCapacity(8)
        for index in 0..<8 { groups.append(address.group(index)) }
        var bestStart = -1
        var bestLength = 0
        var runStart = -1
        for index in 0...8 {
            if index < 8 && groups[index] == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                let length = index - runStart
                if length > bestLength {
                    bestStart = runStart
                    bestLength = length
                }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var result = ""
        var index = 0
        while index < 8 {
            if index == bestStart {
                result += "::"
                index += bestLength
                continue
            }
            if !result.isEmpty && !result.hasSuffix(":") { result += ":" }
            result += String(groups[index], radix: 16, uppercase: false)
            index += 1
        }
        return result
    }
}
