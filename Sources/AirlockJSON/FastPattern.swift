/// A linear-time matcher for the `pattern`s API schemas actually use — anchors, literals, `.`,
/// classes, `\d`/`\w`, and `?`/`*`/`+`/`{n,m}` quantifiers, no groups or alternation — compiled to
/// a small NFA simulated over a 64-bit state set. Swift Regex costs microseconds per match; this
/// costs nanoseconds per byte, which matters when every list item carries an `id` pattern.
/// `init` returns nil for anything outside that subset, and `SchemaPattern` then uses Swift Regex.
struct FastPattern: Sendable {
    /// Which characters an atom accepts: ASCII by bitmap, everything beyond ASCII by one rule.
    struct CharSet: Sendable, Equatable {
        /// Which scalars beyond ASCII: none, all, all but U+2028/U+2029 (`.`), the ECMA-262
        /// white space and line terminators (`\s`: U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029,
        /// U+202F, U+205F, U+3000, U+FEFF), or every other one (`\S`).
        enum Beyond: Sendable, Equatable { case none, all, allButLineTerminators, whitespace, notWhitespace }
        var low: UInt64 = 0
        var high: UInt64 = 0
        var beyond = Beyond.none

        mutating func insert(_ byte: UInt8) {
            if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
        }

        mutating func insert(_ range: ClosedRange<UInt8>) { for b in range { insert(b) } }

        mutating func formUnion(_ other: CharSet) {
            low |= other.low
            high |= other.high
        }

        @inline(__always) func containsASCII(_ byte: UInt8) -> Bool {
            byte < 64 ? (low >> UInt64(byte)) & 1 == 1 : (high >> UInt64(byte &- 64)) & 1 == 1
        }

        func inverted() -> CharSet {
            CharSet(low: ~low, high: ~high, beyond: .all)
        }

        static let digits: CharSet = { var s = CharSet(); s.insert(48...57); return s }()
        static let word: CharSet = {
            var s = CharSet(); s.insert(48...57); s.insert(65...90); s.insert(97...122); s.insert(95); return s
        }()
        /// `\s` (ECMA-262 WhiteSpace and LineTerminator) and `\S`.
        static let space: CharSet = {
            var s = CharSet(beyond: .whitespace)
            s.insert(9...13)
            s.insert(32)
            return s
        }()
        static let nonSpace = CharSet(low: ~space.low, high: ~space.high, beyond: .notWhitespace)
        static let dot: CharSet = {
            var s = CharSet(low: ~0, high: ~0, beyond: .allButLineTerminators)
            s.low &= ~(1 << 10 | 1 << 13)   // \n and \r are line terminators
            return s
        }()
    }

    enum Item: Sendable, Equatable {
        case one(CharSet)
        case optional(CharSet)
        case star(CharSet)

        var set: CharSet {
            switch self { case .one(let s), .optional(let s), .star(let s): s }
        }
    }

    let items: [Item]
    let anchoredStart: Bool
    let anchoredEnd: Bool
    /// Bit i set: item i may be skipped (optional or star).
    let skippable: UInt64
    /// Bit i set: item i repeats (star).
    let repeating: UInt64
    /// Per ASCII byte, the items (bits) whose set accepts it: one load per input byte steps every active
    /// state at once (shift-and), instead of testing each active item's set in turn.
    let asciiMasks: [UInt64]
    /// The items accepting any non-ASCII scalar, and those accepting every one but U+2028/U+2029 too.
    let beyondAll: UInt64
    let beyondNonTerminators: UInt64
    /// The items accepting the non-ASCII white space of `\s`, and those accepting every other scalar (`\S`).
    let beyondSpace: UInt64
    let beyondNonSpace: UInt64

    init?(_ source: String) {
        var bytes = Array(source.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        var start = false
        var end = false
        if bytes.first == UInt8(ascii: "^") { start = true; bytes.removeFirst() }
        if bytes.last == UInt8(ascii: "$"), !(bytes.count >= 2 && bytes[bytes.count - 2] == UInt8(ascii: "\\")) {
            end = true
            bytes.removeLast()
        }
        var items: [Item] = []
        var i = 0
        while i < bytes.count {
            guard let (set, next) = Self.atom(bytes, i) else { return nil }
            i = next
            var min = 1, max: Int? = 1
            if i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "?"): min = 0; max = 1; i += 1
                case UInt8(ascii: "*"): min = 0; max = nil; i += 1
                case UInt8(ascii: "+"): min = 1; max = nil; i += 1
                case UInt8(ascii: "{"):
                    guard let (lo, hi, after) = Self.braces(bytes, i) else { return nil }
                    min = lo; max = hi; i = after
                default: break
                }
                if min != 1 || max != 1, i < bytes.count, bytes[i] == UInt8(ascii: "?") { i += 1 }   // lazy: same yes/no answer
            }
            for _ in 0..<min { items.append(.one(set)) }
            if let max {
                guard max >= min else { return nil }
                for _ in min..<max { items.append(.optional(set)) }
            } else {
                items.append(.star(set))
            }
            guard items.count < 63 else { return nil }
        }
        var skip: UInt64 = 0
        var star: UInt64 = 0
        for (k, item) in items.enumerated() {
            if case .star = item { star |= 1 << UInt64(k) }
            if case .one = item { continue }
            skip |= 1 << UInt64(k)
        }
        self.repeating = star
        var masks = [UInt64](repeating: 0, count: 128)
        var all: UInt64 = 0
        var nonTerminators: UInt64 = 0
        var space: UInt64 = 0
        var nonSpace: UInt64 = 0
        for (k, item) in items.enumerated() {
            let set = item.set
            let bit: UInt64 = 1 << UInt64(k)
            for b in 0..<128 where set.containsASCII(UInt8(b)) { masks[b] |= bit }
            switch set.beyond {
            case .none: break
            case .all: all |= bit; nonTerminators |= bit
            case .allButLineTerminators: nonTerminators |= bit
            case .whitespace: space |= bit
            case .notWhitespace: nonSpace |= bit
            }
        }
        self.asciiMasks = masks
        self.beyondAll = all
        self.beyondNonTerminators = nonTerminators
        self.beyondSpace = space
        self.beyondNonSpace = nonSpace
        self.items = items
        self.anchoredStart = start
        self.anchoredEnd = end
        self.skippable = skip
    }

    /// One atom at `i`: a literal, `.`, an escape or a class; nil for anything unsupported.
    static func atom(_ b: [UInt8], _ i: Int) -> (CharSet, Int)? {
        var set = CharSet()
        switch b[i] {
        case UInt8(ascii: "."):
            return (.dot, i + 1)
        case UInt8(ascii: "\\"):
            guard i + 1 < b.count, let s = escape(b[i + 1], inClass: false) else { return nil }
            return (s, i + 2)
        case UInt8(ascii: "["):
            var j = i + 1
            var negated = false
            if j < b.count, b[j] == UInt8(ascii: "^") { negated = true; j += 1 }
            guard j < b.count, b[j] != UInt8(ascii: "]") else { return nil }
            while j < b.count, b[j] != UInt8(ascii: "]") {
                var lowByte: UInt8
                if b[j] == UInt8(ascii: "\\") {
                    guard j + 1 < b.count, let s = escape(b[j + 1], inClass: true) else { return nil }
                    j += 2
                    if let single = s.single { lowByte = single } else { set.formUnion(s); continue }
                } else if b[j] == UInt8(ascii: "[") {
                    return nil   // [[:alpha:]] and the like
                } else {
                    lowByte = b[j]
                    j += 1
                }
                if j + 1 < b.count, b[j] == UInt8(ascii: "-"), b[j + 1] != UInt8(ascii: "]") {
                    var highByte = b[j + 1]
                    j += 2
                    if highByte == UInt8(ascii: "\\") {
                        guard j < b.count, let s = escape(b[j], inClass: true), let single = s.single else { return nil }
                        highByte = single
                        j += 1
                    }
                    guard lowByte <= highByte else { return nil }
                    set.insert(lowByte...highByte)
                } else {
                    set.insert(lowByte)
                }
            }
            guard j < b.count else { return nil }
            return (negated ? set.inverted() : set, j + 1)
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "|"), UInt8(ascii: "^"), UInt8(ascii: "$"),
             UInt8(ascii: "?"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "]"):
            return nil
        default:
            set.insert(b[i])
            return (set, i + 1)
        }
    }

    /// `\d`, `\w` and their negations, control escapes and escaped punctuation; nil for the rest
    /// (`\s` and `\S` only outside classes; `\b` is an assertion, `\u`, `\p`, back-references...).
    static func escape(_ c: UInt8, inClass: Bool) -> CharSet? {
        var set = CharSet()
        switch c {
        case UInt8(ascii: "d"): return .digits
        case UInt8(ascii: "w"): return .word
        case UInt8(ascii: "D"): return inClass ? nil : CharSet.digits.inverted()
        case UInt8(ascii: "W"): return inClass ? nil : CharSet.word.inverted()
        case UInt8(ascii: "s"): return inClass ? nil : .space
        case UInt8(ascii: "S"): return inClass ? nil : .nonSpace
        case UInt8(ascii: "n"): set.insert(10)
        case UInt8(ascii: "r"): set.insert(13)
        case UInt8(ascii: "t"): set.insert(9)
        case UInt8(ascii: "f"): set.insert(12)
        case UInt8(ascii: "v"): set.insert(11)
        default:
            guard "^$\\.*+?()[]{}|/-".utf8.contains(c) else { return nil }
            set.insert(c)
        }
        return set
    }

    /// `{n}`, `{n,}`, `{n,m}` at `i`.
    static func braces(_ b: [UInt8], _ i: Int) -> (Int, Int?, Int)? {
        var j = i + 1
        func number() -> Int? {
            let s = j
            var v = 0
            while j < b.count, b[j] >= 48, b[j] <= 57 {
                v = v * 10 + Int(b[j] - 48)
                if v > 1000 { return nil }
                j += 1
            }
            return j > s ? v : nil
        }
        guard let lo = number() else { return nil }
        var hi: Int? = lo
        if j < b.count, b[j] == UInt8(ascii: ",") {
            j += 1
            hi = j < b.count && b[j] == UInt8(ascii: "}") ? nil : number()
            if hi == nil, !(j < b.count && b[j] == UInt8(ascii: "}")) { return nil }
        }
        guard j < b.count, b[j] == UInt8(ascii: "}") else { return nil }
        return (lo, hi, j + 1)
    }

    @inline(__always) func closure(_ states: UInt64) -> UInt64 {
        var s = states
        var pending = s & skippable
        while pending != 0 {
            let k = UInt64(pending.trailingZeroBitCount)
            let add = (1 as UInt64) << (k + 1)
            if s & add == 0 {
                s |= add
                if skippable & add != 0 { pending |= add }
            }
            pending &= pending - 1
        }
        return s
    }

    /// Whether the pattern matches somewhere in `text` (anywhere unless anchored), as ECMA-262 `test`.
    func matches(_ text: String) -> Bool {
        if let answer = text.utf8.withContiguousStorageIfAvailable({ matches(bytes: $0) }) { return answer }
        let copy = Array(text.utf8)   // bridged or lazily-stored strings
        return copy.withUnsafeBufferPointer { matches(bytes: $0) }
    }

    private func matches(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let accept: UInt64 = 1 << UInt64(items.count)
        var current = closure(1)
        if current & accept != 0, !anchoredEnd { return true }
        return asciiMasks.withUnsafeBufferPointer { masks in
            var i = 0
            let n = bytes.count
            var lastHits = UInt64.max   // never a real `hits` (the accept bit is masked out)
            var lastNext: UInt64 = 0
            while i < n {
                let byte = bytes[i]
                i += 1
                let accepting: UInt64
                if byte < 0x80 {
                    accepting = masks[Int(byte)]
                } else if byte < 0xC0 {
                    continue   // continuation bytes belong to the scalar already seen
                } else {
                    // U+2028 / U+2029 (E2 80 A8 / E2 80 A9) are line terminators for `.`.
                    let isLineSeparator = byte == 0xE2 && i + 1 < n && bytes[i] == 0x80 && (bytes[i + 1] == 0xA8 || bytes[i + 1] == 0xA9)
                    accepting = (isLineSeparator ? beyondAll : beyondNonTerminators)
                        | (Self.isSpace(lead: byte, bytes, at: i) ? beyondSpace : beyondNonSpace)
                }
                // Active items that accept the byte: repeating ones stay, the others advance one item.
                // The new state depends on `hits` alone, and inside a `*`/`+` run it repeats byte after byte:
                // reuse the last result then instead of shifting and closing again.
                let hits = current & (accept &- 1) & accepting
                if hits != lastHits {
                    var next = (hits & repeating) | ((hits & ~repeating) << 1)
                    if !anchoredStart { next |= 1 }
                    lastHits = hits
                    lastNext = closure(next)
                }
                let unchanged = current == lastNext
                current = lastNext
                if current & accept != 0, !anchoredEnd { return true }
                if current == 0 { return false }
                // A fixed point (e.g. inside `[0-9a-zA-Z]+`): every following ASCII byte giving the same
                // `hits` leaves the state as it is, so skip over those bytes in a tight loop.
                if unchanged {
                    let live = current & (accept &- 1)
                    while i < n, bytes[i] < 0x80, live & masks[Int(bytes[i])] == hits { i += 1 }
                }
            }
            return current & accept != 0
        }
    }
}

extension FastPattern {
    /// Whether the scalar whose lead byte `lead` came just before `at` is ECMA-262 white space or a
    /// line terminator beyond ASCII (see `CharSet.Beyond.whitespace`).
    @inline(__always) static func isSpace(lead: UInt8, _ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        switch lead {
        case 0xC2: return i < b.count && b[i] == 0xA0                                        // U+00A0
        case 0xE1: return i + 1 < b.count && b[i] == 0x9A && b[i + 1] == 0x80                // U+1680
        case 0xE2:
            guard i + 1 < b.count else { return false }
            if b[i] == 0x80 { return b[i + 1] <= 0x8A || b[i + 1] == 0xA8 || b[i + 1] == 0xA9 || b[i + 1] == 0xAF }  // U+2000–200A, 2028, 2029, 202F
            return b[i] == 0x81 && b[i + 1] == 0x9F                                            // U+205F
        case 0xE3: return i + 1 < b.count && b[i] == 0x80 && b[i + 1] == 0x80                // U+3000
        case 0xEF: return i + 1 < b.count && b[i] == 0xBB && b[i + 1] == 0xBF                // U+FEFF
        default: return false
        }
    }
}

extension FastPattern.CharSet {
    /// The byte, when the set holds exactly one ASCII character (for class ranges like `\--z`).
    var single: UInt8? {
        guard beyond == .none, low.nonzeroBitCount + high.nonzeroBitCount == 1 else { return nil }
        return low != 0 ? UInt8(low.trailingZeroBitCount) : UInt8(64 + high.trailingZeroBitCount)
    }
}
