import Testing
@testable import AirlockJSON

/// The linear-time pattern matcher must answer exactly as the Swift Regex path does.
@Suite struct FastPatternTests {
    static let patterns = [
        "^ch_[0-9a-zA-Z]+$", "^[a-z]{3}$", "^/v1/charges", "\\d{4}-\\d{2}-\\d{2}", "^[^@]+@[^@]+\\.[a-z]{2,}$",
        "a.c", "^.*$", "^a?b*c+$", "x{2,}", "^[\\w.-]+$", "^\\+?[0-9 ]{6,15}$", "[A-F0-9]{8}", "^$", "^a{0}b$",
        "^\\D+$", "^\\W*$", "^[^\\d]+$", "ab*?c", "\\.", "^[\\--z]+$", "colou?r",
    ]
    static let inputs = [
        "", "ch_1abc", "ch_", "CH_1", "ch_1 ", "usd", "US", "usde", "/v1/charges/ch_1", "/v2/charges", "2026-11-29",
        "x 2026-11-29 y", "a@b.io", "a@b", "abc", "a\nc", "a\u{2028}c", "aéc", "é", "b", "bbbc", "acc", "xx", "x",
        "a-b.c_d", "+49 30 1234567", "DEADBEEF", "deadbeef", "12ab", "___", "résumé", "color", "colour", "ab", "abbbc",
        ".", "a.b", "-z", "ü", "\u{1F600}",
    ]

    @Test func compilesTheCommonSubset() {
        for p in Self.patterns { #expect(FastPattern(p) != nil, "\(p)") }
        for p in ["(a|b)", "a|b", "\\s+", "\\bword", "[[:alpha:]]", "\\u00e9", "é+", "a{2,1}", "\\p{L}", "(?=x)"] {
            #expect(FastPattern(p) == nil, "\(p)")
        }
    }

    @Test func agreesWithSwiftRegex() throws {
        for p in Self.patterns {
            let fast = try #require(FastPattern(p))
            let regex = try Regex(SchemaPattern.translate(p))
            for s in Self.inputs {
                let expected = (try? regex.firstMatch(in: s)) != nil
                #expect(fast.matches(s) == expected, "pattern \(p) on \(s.debugDescription)")
            }
        }
    }

    @Test func flagsPatternsThatCanBacktrackExponentially() {
        for p in ["^(a+)+$", "(a|aa)*", "^([a-z0-9]+\\.?)+@x$", "(x*y*)*z", "((ab)+c){2,}", "(\\w+\\s?)*$", "(a|b){2,5}"] {
            #expect(SchemaPattern.backtrackingRisk(p) != nil, "\(p)")
        }
        for p in ["^(\\([0-9]{3}\\))?[0-9]{3}-[0-9]{4}$", "^(ab)+$", "(a+)?", "^[a-z]+(-[a-z]+)?$", "\\(a+\\)+", "[(a+)]+", "^(foo|bar)$"] {
            #expect(SchemaPattern.backtrackingRisk(p) == nil, "\(p)")
        }
    }
}
