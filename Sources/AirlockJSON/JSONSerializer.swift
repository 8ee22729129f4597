/// Canonical compact JSON output: valid UTF-8, minimal escapes, numbers exactly as parsed, key order kept.
public enum JSONSerializer {
    /// Serializes a value to bytes.
    public static func serialize(_ value: JSONValue) -> [UInt8] {
        serialize(value, reservingCapacity: 256)
    }

    /// Serializes a value to bytes, starting with room for `capacity` bytes. A parsed document re-serializes
    /// to at most its input size (whitespace dropped, escapes only get shorter), so callers that still hold
    /// the input pass its count and the output never has to grow.
    public static func serialize(_ value: JSONValue, reservingCapacity capacity: Int) -> [UInt8] {
        var w = Writer(capacity: capacity)
        w.write(value)
        return w.finish()
    }

    /// Serializes a value to a String (convenience for tests and logs).
    public static func string(_ value: JSONValue) -> String {
        String(decoding: serialize(value), as: UTF8.self)
    }

    /// Appends the serialization of `value` to `out`.
    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        out.append(contentsOf: serialize(value))
    }
}

/// Output buffer of the serializer: a raw, growable byte buffer, so the per-byte and per-token work is a
/// plain store (appending to `[UInt8]` pays a uniqueness and capacity check per call, which dominated the
/// serializer on small documents). Copied into an array once at the end.
private struct Writer: ~Copyable {
    var base: UnsafeMutablePointer<UInt8>
    var count = 0
    var capacity: Int

    init(capacity: Int) {
        self.capacity = max(64, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes written so far, as an array (the buffer is then freed).
    consuming func finish() -> [UInt8] {
        Array(UnsafeBufferPointer(start: base, count: count))
    }

    /// Makes room for `n` more bytes (capacity at least doubles, so appends stay amortized O(1)).
    @inline(__always)
    mutating func reserve(_ n: Int) {
        if count + n > capacity { grow(count + n) }
    }

    mutating func grow(_ needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = newCapacity
    }

    /// Appends one byte; the caller has reserved room.
    @inline(__always)
    mutating func put(_ b: UInt8) {
        base[count] = b
        count += 1
    }

    /// Appends bytes; the caller has reserved room.
    @inline(__always)
    mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let src = bytes.baseAddress, !bytes.isEmpty else { return }
        (base + count).update(from: src, count: bytes.count)
        count += bytes.count
    }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: putLiteral("null")
        case let .bool(b): putLiteral(b ? "true" : "false")
        case let .number(n): writeNumber(n)
        case let .string(s): writeString(s)
        case let .array(a):
            reserve(2)
            put(UInt8(ascii: "["))
            // Elements are read in place (no per-element copy, hence no retain/release pair each).
            a.withUnsafeBufferPointer { items in
                for k in items.indices {
                    if k > 0 { reserve(1); put(UInt8(ascii: ",")) }
                    write(items[k])
                }
            }
            reserve(1)
            put(UInt8(ascii: "]"))
        case let .object(o):
            reserve(2)
            put(UInt8(ascii: "{"))
            o.slots.withUnsafeBufferPointer { entries in
                o.table.names.withUnsafeBufferPointer { keys in
                    for k in entries.indices {
                        if k > 0 { reserve(1); put(UInt8(ascii: ",")) }
                        writeString(keys[Int(entries[k].key)])
                        reserve(1)
                        put(UInt8(ascii: ":"))
                        write(entries[k].value)
                    }
                }
            }
            reserve(1)
            put(UInt8(ascii: "}"))
        }
    }

    @inline(__always)
    mutating func putLiteral(_ word: StaticString) {
        reserve(word.utf8CodeUnitCount)
        put(UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
    }

    /// Numbers exactly as parsed: inline integers are formatted here (same digits as `String(Int64)`,
    /// without building a String); other numbers copy their original lexeme.
    mutating func writeNumber(_ n: JSONNumber) {
        switch n.storage {
        case let .int(v):
            reserve(20)
            if v < 0 { put(UInt8(ascii: "-")) }
            var m = v.magnitude
            var digits = 1
            var t = m
            while t >= 10 { t /= 10; digits += 1 }
            count += digits
            var k = count - 1
            repeat {
                base[k] = UInt8(truncatingIfNeeded: m % 10) &+ 48
                m /= 10
                k -= 1
            } while m > 0
        case let .decimal(d):
            var text = d.text
            text.withUTF8 { u in
                reserve(u.count)
                put(u)
            }
        }
    }

    /// Writes a string with only the escapes JSON requires (quote, backslash, controls). Most strings need
    /// none: `copyIfPlain` checks and copies them a word at a time; only strings with an escape take the byte loop.
    /// `consuming`: `withUTF8` needs a mutable string, and taking the caller's copy avoids making another
    /// (a retain/release pair per string was a good part of the serializer's cost).
    mutating func writeString(_ s: consuming String) {
        s.withUTF8 { u in
            // Quotes plus slack: a short string is stored as one whole word (see `copyIfPlain`).
            reserve(u.count + 10)
            put(UInt8(ascii: "\""))
            if let src = u.baseAddress, !copyIfPlain(src, u.count) {
                writeEscaping(u, from: 0)
            }
            put(UInt8(ascii: "\""))
        }
    }

    /// Copies `n` bytes eight at a time if none needs an escape and returns true; returns false otherwise, with
    /// `count` unchanged (words already stored lie beyond `count` and are overwritten by the slow path).
    /// No byte is read outside the source: a longer string's last word overlaps the previous one, a shorter
    /// one is assembled from 4/2/1-byte loads over a harmless "AAAAAAAA" filler. Needs `n + 8` reserved bytes.
    @inline(__always)
    mutating func copyIfPlain(_ src: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let raw = UnsafeRawPointer(src)
        let dst = UnsafeMutableRawPointer(base + count)
        if n >= 8 {
            var k = 0
            while k + 8 < n {
                let v = raw.loadUnaligned(fromByteOffset: k, as: UInt64.self)
                if Writer.mayNeedEscape(v) { return false }
                dst.storeBytes(of: v, toByteOffset: k, as: UInt64.self)
                k += 8
            }
            let v = raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
            if Writer.mayNeedEscape(v) { return false }
            dst.storeBytes(of: v, toByteOffset: n - 8, as: UInt64.self)
        } else {
            // Byte j of the string goes to bits 8j..<8j+8 (little-endian order, converted back when stored).
            var v: UInt64 = 0x4141_4141_4141_4141
            var k = 0
            if n & 4 != 0 {
                v = v & ~0xFFFF_FFFF | UInt64(UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)))
                k = 4
            }
            if n & 2 != 0 {
                let w = UInt64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: k, as: UInt16.self)))
                v = v & ~(0xFFFF << UInt64(8 * k)) | w << UInt64(8 * k)
                k += 2
            }
            if n & 1 != 0 {
                v = v & ~(0xFF << UInt64(8 * k)) | UInt64(src[k]) << UInt64(8 * k)
            }
            if Writer.mayNeedEscape(v) { return false }
            dst.storeBytes(of: v.littleEndian, as: UInt64.self)
        }
        count += n
        return true
    }

    /// The slow path of `writeString`: bytes before `start` need no escape; room for the plain bytes and
    /// the closing quote is reserved, each escape reserves its own extra room.
    mutating func writeEscaping(_ u: UnsafeBufferPointer<UInt8>, from start: Int) {
        let n = u.count
        var runStart = 0
        for k in start..<n {
            let b = u[k]
            if b >= 0x20 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") { continue }
            put(UnsafeBufferPointer(rebasing: u[runStart..<k]))
            // The escape (at most 6 bytes) plus the rest of the string and the closing quote.
            reserve(6 + (n - k))
            putEscape(b)
            runStart = k + 1
        }
        put(UnsafeBufferPointer(rebasing: u[runStart..<n]))
    }

    /// True if any of the eight bytes in `v` is a quote, a backslash or a control character (exact as a yes/no
    /// answer: borrows only cross from a byte that is itself flagged; bytes ≥ 0x80 are never flagged).
    @inline(__always)
    static func mayNeedEscape(_ v: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let q = v ^ 0x2222_2222_2222_2222
        let b = v ^ 0x5C5C_5C5C_5C5C_5C5C
        return ((q &- ones) & ~q & high) | ((b &- ones) & ~b & high) | ((v &- 0x2020_2020_2020_2020) & ~v & high) != 0
    }

    /// Appends the escape for a quote, backslash or control byte; room is reserved by the caller.
    @inline(__always)
    mutating func putEscape(_ b: UInt8) {
        put(92)
        switch b {
        case UInt8(ascii: "\""): put(34)
        case UInt8(ascii: "\\"): put(92)
        case 0x0A: put(110)
        case 0x0D: put(114)
        case 0x09: put(116)
        case 0x08: put(98)
        case 0x0C: put(102)
        default:
            let hex: StaticString = "0123456789abcdef"
            put(117); put(48); put(48)
            put(hex.utf8Start[Int(b >> 4)])
            put(hex.utf8Start[Int(b & 15)])
        }
    }
}
