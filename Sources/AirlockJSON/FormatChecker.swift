import Foundation

/// Format assertions (used only when `ValidationOptions.formatAssertion` is on); unknown formats pass.
enum FormatChecker {
    /// True if `s` is a valid instance of `format` (or the format is unknown).
    static func check(_ format: String, _ s: String) -> Bool {
        let b = Array(s.utf8)
        switch format {
        case "date": return date(b[...])
        case "time": return time(b[...])
        case "date-time":
            guard let t = b.firstIndex(where: { $0 == UInt8(ascii: "T") || $0 == UInt8(ascii: "t") }) else { return false }
            return date(b[..<t]) && time(b[(t + 1)...])
        case "duration": return duration(s)
        case "email", "idn-email": return email(s)
        case "hostname": return hostname(s)
        case "ipv4": return ipv4(Substring(s))
        case "ipv6": return ipv6(s)
        case "uuid": return uuid(b)
        case "json-pointer": return jsonPointer(s)
        case "relative-json-pointer":
            let digits = s.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits == "0" || !digits.hasPrefix("0") else { return false }
            let rest = s.dropFirst(digits.count)
            return rest == "#" || jsonPointer(String(rest))
        case "regex": return (try? Regex(s)) != nil
        case "uri": return uri(s, requireScheme: true)
        case "uri-reference": return uri(s, requireScheme: false)
        case "iri": return uri(s, requireScheme: true, allowNonASCII: true)
        case "iri-reference": return uri(s, requireScheme: false, allowNonASCII: true)
        default: return true
        }
    }

    static func num(_ b: ArraySlice<UInt8>, _ from: Int, _ count: Int) -> Int? {
        var v = 0
        for k in 0..<count {
            let i = b.startIndex + from + k
            guard i < b.endIndex, b[i] >= 48, b[i] <= 57 else { return nil }
            v = v * 10 + Int(b[i] - 48)
        }
        return v
    }

    static func date(_ b: ArraySlice<UInt8>) -> Bool {
        guard b.count == 10, b[b.startIndex + 4] == 45, b[b.startIndex + 7] == 45,
              let y = num(b, 0, 4), let m = num(b, 5, 2), let d = num(b, 8, 2), (1...12).contains(m), d >= 1 else { return false }
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1]
    }

    static func time(_ b: ArraySlice<UInt8>) -> Bool {
        guard b.count >= 9, b[b.startIndex + 2] == 58, b[b.startIndex + 5] == 58,
              let h = num(b, 0, 2), let mi = num(b, 3, 2), let se = num(b, 6, 2), h < 24, mi < 60, se <= 60 else { return false }
        var i = 8
        if i < b.count, b[b.startIndex + i] == 46 {
            i += 1
            let s = i
            while i < b.count, b[b.startIndex + i] >= 48, b[b.startIndex + i] <= 57 { i += 1 }
            if i == s { return false }
        }
        guard i < b.count else { return false }
        let z = b[b.startIndex + i]
        var offH = 0, offM = 0, sign = 0
        if z == 90 || z == 122 {
            guard i + 1 == b.count else { return false }
        } else if z == 43 || z == 45 {
            guard b.count - i == 6, b[b.startIndex + i + 3] == 58, let oh = num(b, i + 1, 2), let om = num(b, i + 4, 2),
                  oh < 24, om < 60 else { return false }
            offH = oh; offM = om; sign = z == 43 ? 1 : -1
        } else { return false }
        if se == 60 {
            // Leap second only at 23:59:60 UTC.
            var total = h * 60 + mi - sign * (offH * 60 + offM)
            total = ((total % 1440) + 1440) % 1440
            return total == 23 * 60 + 59
        }
        return true
    }

    static func duration(_ s: String) -> Bool {
        guard s.hasPrefix("P"), s.count > 1, s.allSatisfy({ $0.isASCII }) else { return false }
        var rest = s.dropFirst()
        if rest.hasSuffix("W") { let n = rest.dropLast(); return !n.isEmpty && n.allSatisfy { $0.isNumber } }
        var inTime = false
        var order = "YMD"[...]
        var sawAny = false
        var sawTimeUnit = false
        while !rest.isEmpty {
            if rest.first == "T" {
                guard !inTime else { return false }
                inTime = true; order = "HMS"; rest = rest.dropFirst(); sawTimeUnit = false; continue
            }
            let digits = rest.prefix { $0.isNumber }
            guard !digits.isEmpty else { return false }
            rest = rest.dropFirst(digits.count)
            guard let unit = rest.first, let idx = order.firstIndex(of: unit) else { return false }
            order = order[order.index(after: idx)...]
            rest = rest.dropFirst()
            sawAny = true
            if inTime { sawTimeUnit = true }
        }
        return sawAny && (!inTime || sawTimeUnit)
    }

    static func email(_ s: String) -> Bool {
        guard let at = s.lastIndex(of: "@") else { return false }
        let local = s[..<at], domain = s[s.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty, !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else { return false }
        if domain.hasPrefix("[") && domain.hasSuffix("]") {
            let inner = domain.dropFirst().dropLast()
            return inner.hasPrefix("IPv6:") ? ipv6(String(inner.dropFirst(5))) : ipv4(inner)
        }
        return hostname(String(domain))
    }

    static func hostname(_ s: String) -> Bool {
        var h = Substring(s)
        if h.hasSuffix(".") { h = h.dropLast() }
        guard !h.isEmpty, h.utf8.count <= 253 else { return false }
        for label in h.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-"),
                  label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return false }
            if label.count >= 4, label.dropFirst(2).hasPrefix("--"), !label.lowercased().hasPrefix("xn--") { return false }
        }
        return true
    }

    static func ipv4(_ s: Substring) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(p), v <= 255,
                  p == "0" || !p.hasPrefix("0") else { return false }
        }
        return true
    }

    static func ipv6(_ s: String) -> Bool {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isHexDigit || $0 == ":" || $0 == ".") }) else { return false }
        var groups = Substring(s)
        var limit = 8
        if let lastColon = groups.lastIndex(of: ":"), groups[groups.index(after: lastColon)...].contains(".") {
            guard ipv4(groups[groups.index(after: lastColon)...]) else { return false }
            groups = groups[...lastColon]
            if groups.hasSuffix(":") && !groups.hasSuffix("::") { groups = groups.dropLast() }
            limit = 6
        }
        let halves = groups.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        var count = 0
        for h in halves where !h.isEmpty {
            for g in h.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, !g.contains(".") else { return false }
                count += 1
            }
        }
        return halves.count == 2 ? count < limit : count == limit
    }

    static func uuid(_ b: [UInt8]) -> Bool {
        guard b.count == 36 else { return false }
        for (i, c) in b.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 { if c != 45 { return false } } else if !Character(UnicodeScalar(c)).isHexDigit { return false }
        }
        return true
    }

    static func jsonPointer(_ s: String) -> Bool {
        if s.isEmpty { return true }
        guard s.hasPrefix("/") else { return false }
        return !s.contains("~") || s.split(separator: "~", omittingEmptySubsequences: false).dropFirst().allSatisfy { $0.hasPrefix("0") || $0.hasPrefix("1") }
    }

    static func uri(_ s: String, requireScheme: Bool, allowNonASCII: Bool = false) -> Bool {
        let bad: Set<Character> = [" ", "<", ">", "\"", "{", "}", "|", "\\", "^", "`"]
        guard !s.contains(where: { bad.contains($0) || (!allowNonASCII && !$0.isASCII) }) else { return false }
        var pct = Substring(s)
        while let i = pct.firstIndex(of: "%") {
            let hex = pct[pct.index(after: i)...].prefix(2)
            guard hex.count == 2, hex.allSatisfy({ $0.isHexDigit }) else { return false }
            pct = pct[pct.index(after: i)...]
        }
        let ref = URIReference(s)
        if requireScheme {
            guard let scheme = ref.scheme, !scheme.isEmpty else { return false }
        }
        if let auth = ref.authority, auth.contains("[") || auth.contains("]") {
            guard auth.contains("[") && auth.contains("]") else { return false }
        }
        return true
    }
}
