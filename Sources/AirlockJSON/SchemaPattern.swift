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
}
