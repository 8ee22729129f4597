/// RFC 3492 Punycode (Bootstring) so IDN hosts are checked and resolved in the same ASCII `xn--` form DNS and browsers use.
public enum Punycode {
    private static let base = 36
    private static let tMin = 1
    private static let tMax = 26
    private static let skew = 38
    private static let damp = 700
    private static let initialBias = 72
    private static let initialN = 128
    /// Upper bound on input/output size: DNS labels are <= 63 octets, so anything far larger is refused, not computed.
    private static let maximumLength = 1024

    /// Encodes code points to Punycode (without the `xn--` prefix); nil on overflow or oversized input (RFC 3492 section 6.3).
    public static func encode(_ input: [Unicode.Scalar]) -> String? {
        guard input.count <= maximumLength else { return nil }
        var output: [UInt8] = []
        for scalar in input where scalar.value < 0x80 {
            output.append(UInt8(truncatingIfNeeded: scalar.value))
        }
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append(UInt8(ascii: "-")) }
        var n = initialN
        var delta = 0
        var bias = initialBias
        while handled < input.count {
            var next = Int.max
            for scalar in input where Int(scalar.value) >= n && Int(scalar.value) < next {
                next = Int(scalar.value)
            }
            let (scaled, overflow1) = (next - n).multipliedReportingOverflow(by: handled + 1)
            guard !overflow1 else { return nil }
            let (sum, overflow2) = delta.addingReportingOverflow(scaled)
            guard !overflow2, sum <= Int(Int32.max) else { return nil }
            delta = sum
            n = next
            for scalar in input {
                let value = Int(scalar.value)
                if value < n {
                    delta += 1
                    guard delta <= Int(Int32.max) else { return nil }
                }
                if value == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta: delta, count: handled + 1, first: handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes Punycode (without `xn--`) to code points; nil on any malformed input, overflow or surrogate (RFC 3492 section 6.2).
    public static func decode(_ text: String) -> [Unicode.Scalar]? {
        let input = Array(text.utf8)
        guard input.count <= maximumLength, input.allSatisfy({ $0 < 0x80 }) else { return nil }
        var output: [UInt32] = []
        var position = 0
        if let delimiter = input.lastIndex(of: UInt8(ascii: "-")), delimiter > 0 {
            output = input[0..<delimiter].map { UInt32($0) }
            position = delimiter + 1
        }
        var n = initialN
        var i = 0
        var bias = initialBias
        while position < input.count {
            let oldI = i
            var w = 1
            var k = base
            while true {
                guard position < input.count, let value = digitValue(input[position]) else { return nil }
                position += 1
                let (product, overflow1) = value.multipliedReportingOverflow(by: w)
                guard !overflow1 else { return nil }
                let (sum, overflow2) = i.addingReportingOverflow(product)
                guard !overflow2, sum <= Int(Int32.max) else { return nil }
                i = sum
                let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                if value < t { break }
                let (weight, overflow3) = w.multipliedReportingOverflow(by: base - t)
                guard !overflow3, weight <= Int(Int32.max) else { return nil }
                w = weight
                k += base
            }
            let length = output.count + 1
            bias = adapt(delta: i - oldI, count: length, first: oldI == 0)
            n += i / length
            guard n >= 0x80, n <= 0x10FFFF else { return nil }
            i %= length
            output.insert(UInt32(n), at: i)
            i += 1
        }
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(output.count)
        for value in output {
            guard let scalar = Unicode.Scalar(value) else { return nil }
            scalars.append(scalar)
        }
        return scalars
    }

    /// Bias adaptation (RFC 3492 section 6.1).
    private static func adapt(delta: Int, count: Int, first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / count
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }

    /// Digit value 0...35 to its lowercase ASCII form.
    private static func digit(_ value: Int) -> UInt8 {
        value < 26 ? UInt8(truncatingIfNeeded: value + 97) : UInt8(truncatingIfNeeded: value + 22)
    }

    /// ASCII letter/digit to its digit value (case-insensitive), or nil.
    private static func digitValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte) - 22
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return Int(byte) - 97
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Int(byte) - 65
        default: return nil
        }
    }
}
