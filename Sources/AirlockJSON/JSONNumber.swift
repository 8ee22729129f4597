/// An exact JSON number: keeps the parsed lexeme and a normalized decimal so that
/// `1.0 == 1`, `1e2 == 100`, big integers and decimal `multipleOf` are exact.
/// Plain integers (the common case) are stored inline in 9 bytes; everything else is boxed.
public struct JSONNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Normalized decimal plus the original lexeme, for numbers that are not plain canonical integers.
    final class Decimal: Sendable {
        let text: String
        let negative: Bool
        /// Digits without leading/trailing zeros; empty means zero.
        let digits: [UInt8]
        let exponent: Int
        /// The value when it is an integer that fits Int64 (e.g. `1.0`, `1e2`), for hashing and fast paths.
        let intValue: Int64?

        init(text: String, negative: Bool, digits: [UInt8], exponent: Int, intValue: Int64?) {
            self.text = text
            self.negative = negative
            self.digits = digits
            self.exponent = exponent
            self.intValue = intValue
        }
    }

    /// Inline canonical integer, or a boxed decimal.
    enum Storage: Sendable {
        case int(Int64)
        case decimal(Decimal)
    }

    let storage: Storage

    /// Builds an integer number (used by tests and generated values).
    public init(_ value: Int64) {
        storage = .int(value)
    }

    /// Wraps already-built storage; internal use by the parser.
    init(storage: Storage) {
        self.storage = storage
    }

    /// Parses a strict RFC 8259 number lexeme; nil if it is not one.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard let s = bytes.withUnsafeBufferPointer({ JSONNumber.scan($0, 0, bytes.count, text: text) }) else { return nil }
        storage = s
    }

    /// The number exactly as it appeared in the input (what the serializer writes back).
    public var text: String {
        switch storage {
        case let .int(v): return String(v)
        case let .decimal(d): return d.text
        }
    }

    /// Normalizes a lexeme in `p[start..<end]` (validating its grammar) into exact storage.
    static func scan(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, text: String) -> Storage? {
        var i = start
        var negative = false
        if i < end && p[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard i < end else { return nil }
        var digits: [UInt8] = []
        var exponent = 0
        if p[i] == UInt8(ascii: "0") {
            i += 1
            if i < end && p[i] >= 48 && p[i] <= 57 { return nil }
        } else if p[i] >= 49 && p[i] <= 57 {
            while i < end && p[i] >= 48 && p[i] <= 57 { digits.append(p[i] &- 48); i += 1 }
        } else { return nil }
        var plain = true
        if i < end && p[i] == UInt8(ascii: ".") {
            plain = false
            i += 1
            let fracStart = i
            while i < end && p[i] >= 48 && p[i] <= 57 { digits.append(p[i] &- 48); exponent -= 1; i += 1 }
            if i == fracStart { return nil }
        }
        if i < end && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            plain = false
            i += 1
            var expNeg = false
            if i < end && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { expNeg = p[i] == UInt8(ascii: "-"); i += 1 }
            let expStart = i
            var e = 0
            while i < end && p[i] >= 48 && p[i] <= 57 {
                if e < 1 << 40 { e = e * 10 + Int(p[i] &- 48) }
                i += 1
            }
            if i == expStart { return nil }
            exponent += expNeg ? -e : e
        }
        guard i == end else { return nil }
        return normalize(negative: negative, digits: digits, exponent: exponent, text: text,
                         canonicalInteger: plain && !(negative && digits.isEmpty))
    }

    /// Strips leading/trailing zeros; plain canonical integers that fit Int64 stay inline.
    static func normalize(negative: Bool, digits: [UInt8], exponent: Int, text: String, canonicalInteger: Bool) -> Storage {
        var lo = 0
        var hi = digits.count
        while lo < hi && digits[lo] == 0 { lo += 1 }
        var exp = exponent
        while hi > lo && digits[hi - 1] == 0 { hi -= 1; exp += 1 }
        let count = hi - lo
        var intValue: Int64?
        if count == 0 {
            intValue = 0
        } else if exp >= 0 && count + exp <= 18 {
            var v: Int64 = 0
            for k in lo..<hi { v = v * 10 + Int64(digits[k]) }
            for _ in 0..<exp { v *= 10 }
            intValue = negative ? -v : v
        }
        if canonicalInteger, let v = intValue { return .int(v) }
        return .decimal(Decimal(text: text, negative: count > 0 && negative, digits: Array(digits[lo..<hi]),
                                exponent: count == 0 ? 0 : exp, intValue: intValue))
    }

    /// Decimal view used by the exact algorithms: (negative, digits, exponent), zero = empty digits.
    var parts: (negative: Bool, digits: [UInt8], exponent: Int) {
        switch storage {
        case let .decimal(d): return (d.negative, d.digits, d.exponent)
        case let .int(v):
            if v == 0 { return (false, [], 0) }
            var m = v.magnitude
            var d: [UInt8] = []
            var e = 0
            while m % 10 == 0 { m /= 10; e += 1 }
            while m > 0 { d.append(UInt8(m % 10)); m /= 10 }
            return (v < 0, d.reversed(), e)
        }
    }

    /// True when the value is mathematically an integer (1.0 and 1e2 included).
    public var isInteger: Bool {
        switch storage {
        case .int: return true
        case let .decimal(d): return d.digits.isEmpty || d.exponent >= 0
        }
    }

    /// The value as an Int64 when it is an integer in range.
    public var int64Value: Int64? {
        switch storage {
        case let .int(v): return v
        case let .decimal(d): return d.intValue
        }
    }

    /// Nearest Double (may be infinite for huge values); for formatting and non-exact callers.
    public var doubleValue: Double {
        switch storage {
        case let .int(v): return Double(v)
        case let .decimal(d): return Double(d.text) ?? .nan
        }
    }

    /// The original lexeme.
    public var description: String { text }

    /// Exact equality on the mathematical value, not the spelling.
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool { compare(lhs, rhs) == 0 }

    /// Hash of the normalized value, consistent with `==`.
    public func hash(into hasher: inout Hasher) {
        if let v = int64Value {
            hasher.combine(v)
        } else if case let .decimal(d) = storage {
            hasher.combine(d.negative)
            hasher.combine(d.digits)
            hasher.combine(d.exponent)
        }
    }

    /// Exact ordering on the mathematical value.
    public static func < (lhs: JSONNumber, rhs: JSONNumber) -> Bool { compare(lhs, rhs) < 0 }

    /// Three-way exact comparison: -1, 0 or 1.
    public static func compare(_ a: JSONNumber, _ b: JSONNumber) -> Int {
        if let x = a.int64Value, let y = b.int64Value { return x < y ? -1 : (x == y ? 0 : 1) }
        let pa = a.parts
        let pb = b.parts
        let sa = pa.digits.isEmpty ? 0 : (pa.negative ? -1 : 1)
        let sb = pb.digits.isEmpty ? 0 : (pb.negative ? -1 : 1)
        if sa != sb { return sa < sb ? -1 : 1 }
        if sa == 0 { return 0 }
        let mag = compareMagnitude(pa.digits, pa.exponent, pb.digits, pb.exponent)
        return sa > 0 ? mag : -mag
    }

    /// Compares |A·10^ea| with |B·10^eb| for normalized non-zero digit strings.
    static func compareMagnitude(_ a: [UInt8], _ ea: Int, _ b: [UInt8], _ eb: Int) -> Int {
        let ma = a.count + ea
        let mb = b.count + eb
        if ma != mb { return ma < mb ? -1 : 1 }
        let n = max(a.count, b.count)
        for k in 0..<n {
            let x = k < a.count ? a[k] : 0
            let y = k < b.count ? b[k] : 0
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }

    /// Exact test that `self / divisor` is an integer (false for a zero divisor).
    public func isMultiple(of divisor: JSONNumber) -> Bool {
        let a = parts
        let b = divisor.parts
        if b.digits.isEmpty { return false }
        if a.digits.isEmpty { return true }
        if a.exponent < b.exponent { return false }
        return BigDecimalMath.isZeroRemainder(dividend: a.digits, zeros: a.exponent - b.exponent, divisor: b.digits)
    }
}
