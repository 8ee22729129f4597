/// Small exact helpers on decimal digit strings for `JSONNumber.isMultiple(of:)`.
enum BigDecimalMath {
    /// True when (dividend · 10^zeros) mod divisor == 0; digits are most-significant first.
    static func isZeroRemainder(dividend: [UInt8], zeros: Int, divisor: [UInt8]) -> Bool {
        if divisor.count <= 18 {
            var d: UInt64 = 0
            for x in divisor { d = d * 10 + UInt64(x) }
            var r: UInt64 = 0
            for x in dividend { r = mulMod(r, 10, d) &+ UInt64(x); r %= d }
            if zeros > 0 { r = mulMod(r, powMod(10, zeros, d), d) }
            return r == 0
        }
        // General case: decimal long division with a digit-array remainder; bounded work.
        if zeros > 100_000 { return false }
        var rem: [UInt8] = []
        func step(_ digit: UInt8) {
            rem.append(digit)
            while let first = rem.first, first == 0, rem.count > 1 { rem.removeFirst() }
            while compare(rem, divisor) >= 0 { subtract(&rem, divisor) }
        }
        for x in dividend { step(x) }
        for _ in 0..<zeros { step(0) }
        return rem.allSatisfy { $0 == 0 }
    }

    /// (a·b) mod m without overflow.
    static func mulMod(_ a: UInt64, _ b: UInt64, _ m: UInt64) -> UInt64 {
        let full = a.multipliedFullWidth(by: b)
        return m.dividingFullWidth((full.high, full.low)).remainder
    }

    /// (base^exp) mod m by squaring.
    static func powMod(_ base: UInt64, _ exp: Int, _ m: UInt64) -> UInt64 {
        var result: UInt64 = 1 % m
        var b = base % m
        var e = exp
        while e > 0 {
            if e & 1 == 1 { result = mulMod(result, b, m) }
            b = mulMod(b, b, m)
            e >>= 1
        }
        return result
    }

    /// Compares two non-negative digit strings without leading zeros (except "0").
    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var x = a[...]
        var y = b[...]
        while x.count > 1, x.first == 0 { x = x.dropFirst() }
        while y.count > 1, y.first == 0 { y = y.dropFirst() }
        if x.count != y.count { return x.count < y.count ? -1 : 1 }
        for (p, q) in zip(x, y) where p != q { return p < q ? -1 : 1 }
        return 0
    }

    /// a -= b for digit strings with a >= b.
    static func subtract(_ a: inout [UInt8], _ b: [UInt8]) {
        var borrow: Int = 0
        var i = a.count - 1
        var j = b.count - 1
        while i >= 0 {
            var v = Int(a[i]) - borrow - (j >= 0 ? Int(b[j]) : 0)
            if v < 0 { v += 10; borrow = 1 } else { borrow = 0 }
            a[i] = UInt8(v)
            i -= 1
            j -= 1
        }
        while a.count > 1, a.first == 0 { a.removeFirst() }
    }
}
