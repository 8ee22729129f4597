#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// String scanning for `JSONParserState`: strict UTF-8 validation and escape decoding.
extension JSONParserState {
    /// Parses a string value starting at the opening quote: its node.
    @inline(__always)
    mutating func parseString() throws(JSONParseFailure) -> UInt64 {
        if let r = try scanString() { return JSONTape.bytes(.string, side: false, offset: r.lowerBound, length: r.count) }
        return JSONTape.bytes(.string, side: true, offset: sideStart, length: side.count - sideStart)
    }

    /// Parses an object key starting at the opening quote: its node, its hash in `lastStringHash`.
    @inline(__always)
    mutating func parseKey() throws(JSONParseFailure) -> UInt64 {
        let node = try parseString()
        let (inSide, offset, length) = JSONTape.span(node)
        // Hashed in its buffer (not a rebased slice): in the input the tail is read as one word.
        lastStringHash = inSide ? side.withUnsafeBufferPointer { JSONParserState.fnv($0, offset, length) }
            : JSONParserState.fnv(p, offset, length)
        return node
    }

    /// Scans a string starting at the opening quote, validating it: returns the range of its bytes when
    /// they need no decoding (no escapes), else nil with the decoded bytes in `side[sideStart...]`.
    mutating func scanString() throws(JSONParseFailure) -> Range<Int>? {
        i += 1
        let start = i
        let n = p.count
        // Fast path: no escapes. Eight bytes at a time while they are plain ASCII (no quote, backslash, control).
        if let base = p.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                let v = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let high: UInt64 = 0x8080_8080_8080_8080
                let ones: UInt64 = 0x0101_0101_0101_0101
                let q = v ^ 0x2222_2222_2222_2222
                let b = v ^ 0x5C5C_5C5C_5C5C_5C5C
                let special = (v & high) | ((q &- ones) & ~q & high) | ((b &- ones) & ~b & high)
                    | ((v &- 0x2020_2020_2020_2020) & ~v & high)
                if special != 0 {
                    // Little-endian: the lowest flagged byte is exact; jump straight to it.
                    i += special.trailingZeroBitCount >> 3
                    break
                }
                i += 8
            }
        }
        while i < n {
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                if i - start > maxStringLength { throw fail(.stringTooLong(limit: maxStringLength), start) }
                i += 1
                return start..<(i - 1)
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail(.controlCharacterInString, i) }
            if c < 0x80 { i += 1 } else { try validateUTF8() }
        }
        if i >= n { throw fail(.unexpectedEndOfInput, i) }
        // Slow path: escapes present; decode into the side buffer.
        canonical = false
        sideStart = side.count
        side.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<i]))
        while i < n {
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                if side.count - sideStart > maxStringLength { throw fail(.stringTooLong(limit: maxStringLength), start) }
                i += 1
                return nil
            }
            if c == UInt8(ascii: "\\") {
                try parseEscape()
            } else if c < 0x20 {
                throw fail(.controlCharacterInString, i)
            } else if c < 0x80 {
                side.append(c)
                i += 1
            } else {
                let s = i
                try validateUTF8()
                side.append(contentsOf: UnsafeBufferPointer(rebasing: p[s..<i]))
            }
            if side.count - sideStart > maxStringLength { throw fail(.stringTooLong(limit: maxStringLength), start) }
        }
        throw fail(.unexpectedEndOfInput, i)
    }

    /// Validates one multi-byte UTF-8 sequence at `i` (no overlongs, no surrogates, ≤ U+10FFFF).
    @inline(__always)
    mutating func validateUTF8() throws(JSONParseFailure) {
        let c = p[i]
        let n = p.count
        var need = 0
        var lo: UInt8 = 0x80
        var hi: UInt8 = 0xBF
        switch c {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE, 0xEF: need = 2
        case 0xED: need = 2; hi = 0x9F
        case 0xF0: need = 3; lo = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; hi = 0x8F
        default: throw fail(.invalidUTF8, i)
        }
        guard i + need < n else { throw fail(.invalidUTF8, i) }
        let b1 = p[i + 1]
        if b1 < lo || b1 > hi { throw fail(.invalidUTF8, i) }
        var k = 2
        while k <= need {
            let b = p[i + k]
            if b < 0x80 || b > 0xBF { throw fail(.invalidUTF8, i) }
            k += 1
        }
        i += need + 1
    }

    /// Decodes one escape at `i` (the backslash) into `side`.
    mutating func parseEscape() throws(JSONParseFailure) {
        let at = i
        guard i + 1 < p.count else { throw fail(.unexpectedEndOfInput, p.count) }
        let e = p[i + 1]
        i += 2
        switch e {
        case UInt8(ascii: "\""): side.append(0x22)
        case UInt8(ascii: "\\"): side.append(0x5C)
        case UInt8(ascii: "/"): side.append(0x2F)
        case UInt8(ascii: "b"): side.append(0x08)
        case UInt8(ascii: "f"): side.append(0x0C)
        case UInt8(ascii: "n"): side.append(0x0A)
        case UInt8(ascii: "r"): side.append(0x0D)
        case UInt8(ascii: "t"): side.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                guard i + 1 < p.count, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") else {
                    throw fail(.loneSurrogate, at)
                }
                i += 2
                let low = try hex4()
                guard low >= 0xDC00 && low <= 0xDFFF else { throw fail(.loneSurrogate, at) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw fail(.loneSurrogate, at)
            }
            appendScalar(scalar)
        default:
            throw fail(.invalidEscape, at)
        }
    }

    /// Reads four hex digits at `i`.
    mutating func hex4() throws(JSONParseFailure) -> UInt32 {
        guard i + 4 <= p.count else { throw fail(.unexpectedEndOfInput, p.count) }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = p[i + k]
            let d: UInt32
            switch c {
            case 48...57: d = UInt32(c - 48)
            case 65...70: d = UInt32(c - 55)
            case 97...102: d = UInt32(c - 87)
            default: throw fail(.invalidEscape, i + k)
            }
            v = v << 4 | d
        }
        i += 4
        return v
    }

    /// Appends a Unicode scalar as UTF-8 to `side`.
    mutating func appendScalar(_ s: UInt32) {
        if s < 0x80 {
            side.append(UInt8(s))
        } else if s < 0x800 {
            side.append(UInt8(0xC0 | (s >> 6)))
            side.append(UInt8(0x80 | (s & 0x3F)))
        } else if s < 0x10000 {
            side.append(UInt8(0xE0 | (s >> 12)))
            side.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            side.append(UInt8(0x80 | (s & 0x3F)))
        } else {
            side.append(UInt8(0xF0 | (s >> 18)))
            side.append(UInt8(0x80 | ((s >> 12) & 0x3F)))
            side.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            side.append(UInt8(0x80 | (s & 0x3F)))
        }
    }
}
