/// A compiled ECMA-262-style `pattern` (Swift Regex), searched unanchored as JSON Schema requires.
final class SchemaPattern: @unchecked Sendable {
    let source: String
    let regex: Regex<AnyRegexOutput>
    /// The linear-time matcher, for the common subset of patterns (see `FastPattern`).
    let fast: FastPattern?

    /// Compiles a pattern; nil if the syntax is not supported.
    init?(_ source: String) {
        self.source = source
        guard let r = try? Regex(SchemaPattern.translate(source)) else { return nil }
        regex = r
        fast = FastPattern(source)
    }

    /// True if the pattern matches anywhere in `s`.
    func matches(_ s: String) -> Bool {
        if let fast { return fast.matches(s) }
        return (try? regex.firstMatch(in: s)) != nil
    }

    /// Adapts ECMA-262 escapes that Swift reads differently (\d, \w, \s are ASCII/ECMA sets).
    static func translate(_ p: String) -> String {
        if !p.contains("\\") { return p }
        var out = ""
        var it = p.makeIterator()
        var inClass = false
        while let c = it.next() {
            if c == "\\", let n = it.next() {
                switch n {
                case "d": out += inClass ? "0-9" : "[0-9]"
                case "D": out += inClass ? "\\D" : "[^0-9]"
                case "w": out += inClass ? "a-zA-Z0-9_" : "[a-zA-Z0-9_]"
                case "W": out += inClass ? "\\W" : "[^a-zA-Z0-9_]"
                default: out.append(c); out.append(n)
                }
                continue
            }
            if c == "[" { inClass = true } else if c == "]" { inClass = false }
            out.append(c)
        }
        return out
    }

    /// Why `source` can backtrack exponentially, or nil: a group repeated more than once (`*`, `+`,
    /// `{n,}`, `{n,m}` with m > 1) that itself contains a repetition or an alternation — the shapes
    /// behind catastrophic backtracking (`^(a+)+$`, `(a|aa)*`, `([a-z0-9]+\.?)+@`). Conservative: some
    /// such patterns are harmless, and the linear-time subset (`FastPattern`) never needs this check.
    static func backtrackingRisk(_ source: String) -> String? {
        let b = Array(source.utf8)
        // For each open group: whether it holds a repetition or an alternation.
        var stack: [Bool] = []
        var i = 0
        func quantifierRepeats(_ at: Int) -> Bool {
            guard at < b.count else { return false }
            switch b[at] {
            case UInt8(ascii: "*"), UInt8(ascii: "+"): return true
            case UInt8(ascii: "{"):
                var j = at + 1
                var lo = 0, hi: Int? = nil, sawComma = false, digits = false
                while j < b.count, b[j] != UInt8(ascii: "}") {
                    if b[j] == UInt8(ascii: ",") { sawComma = true; hi = nil } else if (48...57).contains(b[j]) {
                        digits = true
                        if sawComma { hi = min((hi ?? 0) * 10 + Int(b[j] - 48), 1000) } else { lo = min(lo * 10 + Int(b[j] - 48), 1000) }
                    } else { return false }
                    j += 1
                }
                guard digits else { return false }
                if !sawComma { return lo > 1 }
                return hi.map { $0 > 1 } ?? true
            default: return false
            }
        }
        func markEnclosing() { if !stack.isEmpty { stack[stack.count - 1] = true } }
        while i < b.count {
            let c = b[i]
            switch c {
            case UInt8(ascii: "\\"):
                i += 2
                if quantifierRepeats(i) { markEnclosing() }
                continue
            case UInt8(ascii: "["):
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "^") { i += 1 }
                if i < b.count, b[i] == UInt8(ascii: "]") { i += 1 }
                while i < b.count, b[i] != UInt8(ascii: "]") { i += b[i] == UInt8(ascii: "\\") ? 2 : 1 }
                i += 1
                if quantifierRepeats(i) { markEnclosing() }
                continue
            case UInt8(ascii: "("):
                stack.append(false)
            case UInt8(ascii: ")"):
                let risky = stack.popLast() ?? false
                if risky, quantifierRepeats(i + 1) { return "repeats a group that itself repeats or alternates" }
                // A group's own repetition makes the group around it risky too.
                if quantifierRepeats(i + 1) || risky { markEnclosing() }
            case UInt8(ascii: "|"):
                markEnclosing()
            default:
                if quantifierRepeats(i + 1) { markEnclosing() }
            }
            i += 1
        }
        return nil
    }
}
