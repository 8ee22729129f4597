#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// String scanning for `JSONParserState`: strict UTF-8 validation and escape decoding.
extension JSONParserState {
    /// Parses a string value starting at the opening quote.
    @inline(__always)
    mutating func parseString() throws(JSONParseFailure) -> String {
        if let r = try scanString() { return String(decoding: UnsafeBufferPointer(rebasing: p[r]), as: UTF8.self) }
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Parses an object key starting at the opening quote: its index in the document's key table (a key
    /// seen before reuses its entry, see `internKey`), its hash in `lastStringHash`.
    @inline(__always)
    mutating func parseKey() throws(JSONParseFailure) -> UInt32 {
        if let r = try scanString() {
            let h = JSONParserState.fnv(p, r.lowerBound, r.count)
            lastStringHash = h
            return internKey(r.lowerBound, r.count, hash: h)
        }
        lastStringHash = scratch.withUnsafeBufferPointer { JSONParserState.fnv($0) }
        return addKey(String(decoding: scratch, as: UTF8.self))
    }

    /// Scans a string starting at the opening quote, validating it: returns the range of its bytes when
    /// they need no decoding (no escapes), else nil with the decoded bytes in `scratch`.
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
                if i - start > limits.maxStringLength { throw fail(.stringTooLong(limit: limits.maxStringLength), start) }
                i += 1
                return start..<(i - 1)
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail(.controlCharacterInString, i) }
            if c < 0x80 { i += 1 } else { try validateUTF8() }
        }
        if i >= n { throw fail(.unexpectedEndOfInput, i) }
        // Slow path: escapes present; decode into the scratch buffer.
        canonical = false
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<i]))
        while i < n {
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                if scratch.count > limits.maxStringLength { throw fail(.stringTooLong(limit: limits.maxStringLength), start) }
                i += 1
                return nil
            }
            if c == UInt8(ascii: "\\") {
                try parseEscape()
            } else if c < 0x20 {
                throw fail(.controlCharacterInString, i)
            } else if c < 0x80 {
                scratch.append(c)
                i += 1
            } else {
                let s = i
                try validateUTF8()
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: p[s..<i]))
            }
            if scratch.count > limits.maxStringLength { throw fail(.stringTooLong(limit: limits.maxStringLength), start) }
        }
        throw fail(.unexpectedEndOfInput, i)
    }

    /// The key-table index for an unescaped key at `p[start..<start+count]` with hash `h`, from the key cache
    /// when the same key was seen before. A slot remembers where its key occurred in the input, so a hit is
    /// checked with the hash and one `memcmp` of input bytes, without building or touching a String.
    @inline(__always)
    mutating func internKey(_ start: Int, _ count: Int, hash h: UInt64) -> UInt32 {
        let raw = UnsafeBufferPointer(rebasing: p[start..<start + count])
        if keyCache.isEmpty {
            keysSeen += 1
            if keysSeen < JSONParserState.keyCacheAfter { return addKey(String(decoding: raw, as: UTF8.self)) }
            keyCache = [KeySlot](repeating: KeySlot(), count: JSONParserState.keyCacheSlots(forBytes: p.count))
        }
        let slot = Int(truncatingIfNeeded: h) & (keyCache.count - 1)
        let hit = keyCache.withUnsafeBufferPointer { cache -> UInt32? in
            let e = cache[slot]
            guard e.hash == h, e.count == count, let base = p.baseAddress else { return nil }
            return count == 0 || memcmp(base + e.offset, base + start, count) == 0 ? e.id : nil
        }
        if let hit { return hit }
        let id = addKey(String(decoding: raw, as: UTF8.self))
        keyCache[slot] = KeySlot(hash: h, offset: start, count: count, id: id)
        return id
    }

    /// Appends a key name to the document's table; its index. (A key evicted from the cache and met again
    /// gets a second index: equal keys may have different indices, so duplicates are compared by bytes.)
    @inline(__always)
    mutating func addKey(_ name: String) -> UInt32 {
        let id = UInt32(truncatingIfNeeded: keyTable.names.count)
        // Sized from the input on the first key (about one distinct key per 16 bytes of a small API
        // document), so the table does not regrow 1-2-4-8-16-32 in every small response.
        if id == 0 { keyTable.names.reserveCapacity(min(64, max(16, p.count >> 4))) }
        keyTable.names.append(name)
        return id
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

    /// Decodes one escape at `i` (the backslash) into `scratch`.
    mutating func parseEscape() throws(JSONParseFailure) {
        let at = i
        guard i + 1 < p.count else { throw fail(.unexpectedEndOfInput, p.count) }
        let e = p[i + 1]
        i += 2
        switch e {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
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

    /// Appends a Unicode scalar as UTF-8 to `scratch`.
    mutating func appendScalar(_ s: UInt32) {
        if s < 0x80 {
            scratch.append(UInt8(s))
        } else if s < 0x800 {
            scratch.append(UInt8(0xC0 | (s >> 6)))
            scratch.append(UInt8(0x80 | (s & 0x3F)))
        } else if s < 0x10000 {
            scratch.append(UInt8(0xE0 | (s >> 12)))
            scratch.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (s & 0x3F)))
        } else {
            scratch.append(UInt8(0xF0 | (s >> 18)))
            scratch.append(UInt8(0x80 | ((s >> 12) & 0x3F)))
            scratch.append(UInt8(0x80 | ((s >> 6) & 0x3F)))
            scratch.append(UInt8(0x80 | (s & 0x3F)))
        }
    }
}
