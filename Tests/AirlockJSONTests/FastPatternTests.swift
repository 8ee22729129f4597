import Testing
@testable import AirlockJSON

/// The linear-time pattern matcher must answer exactly as the Swift Regex path does.
@Suite struct FastPatternTests {
    static let patterns = [
        "^ch_[0-9a-zA-Z]+$", "^[a-z]{3}$", "^/v1/charges", "\\d{4}-\\d{2}-\\d{2}", "^[^@]+@[^@]+\\.[a-z]{2,}$",
        "a.c", "^.*$", "^a?b*c+$", "x{2,}", "^[\\w.-]+$", "^\\+?[0-9 ]{6,15}$", "[A-F0-9]{8}", "^$", "^a{0}b$",
        "^\\D+$", "^\\W*$", "^[^\\d]+$", "ab*?c", "\\.", "^[\\--z]+$", "colou?r",
        "^\\S+@\\S+\\.\\S+$", "\\s", "^\\S*$", "a\\s+b", "^\\s*\\S",
    ]
    static let inputs = [
        "", "ch_1abc", "ch_", "CH_1", "ch_1 ", "usd", "US", "usde", "/v1/charges/ch_1", "/v2/charges", "2026-11-29",
        "x 2026-11-29 y", "a@b.io", "a@b", "abc", "a\nc", "a\u{2028}c", "aéc", "é", "b", "bbbc", "acc", "xx", "x",
        "a-b.c_d", "+49 30 1234567", "DEADBEEF", "deadbeef", "12ab", "___", "résumé", "color", "colour", "ab", "abbbc",
        ".", "a.b", "-z", "ü", "\u{1F600}", "a b", "a\tb", "a\u{00A0}b", "x\u{3000}y", "a\u{2009}b", "a\u{202F}", "u@x.y z", " @.",
    ]

    @Test func compilesTheCommonSubset() {
        for p in Self.patterns { #expect(FastPattern(p) != nil, "\(p)") }
        for p in ["(a|b)", "a|b", "[\\s]", "\\bword", "[[:alpha:]]", "\\u00e9", "é+", "a{2,1}", "\\p{L}", "(?=x)"] {
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

    /// `\s` is ECMA-262's (JSON Schema's dialect), not Swift's: U+FEFF is white space, U+0085 is not.
    /// And `^\S+@\S+\.\S+$` (a common e-mail check, polynomial in a backtracking engine: each `\S+`
    /// can take any `@` and `.`) runs in linear time on a hostile megabyte of `@`.
    @Test func whiteSpaceIsECMAScripts() throws {
        let space = try #require(FastPattern("^\\s$"))
        #expect(space.matches("\u{FEFF}") && space.matches("\u{2028}") && space.matches("\u{1680}") && space.matches("\u{205F}"))
        #expect(!space.matches("\u{0085}") && !space.matches("\u{200B}") && !space.matches("é"))
        let nonSpace = try #require(FastPattern("^\\S$"))
        #expect(nonSpace.matches("\u{0085}") && nonSpace.matches("é") && !nonSpace.matches("\u{FEFF}") && !nonSpace.matches("\u{3000}"))
        let email = try #require(FastPattern("^\\S+@\\S+\\.\\S+$"))
        #expect(!email.matches(String(repeating: "@", count: 1 << 20) + " "))
        #expect(email.matches(String(repeating: "@", count: 1 << 20) + ".x"))
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
