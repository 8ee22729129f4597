import Testing
@testable import AirlockJSON

/// The parser's key hash (FNV-style, eight bytes a step) is fixed and each step can be inverted,
/// so a hostile upstream can choose as many 16-byte keys as it likes that share one hash. A large
/// object's duplicate-key index keyed by that hash put them all in one list, and every new key was
/// compared with all earlier ones: 100,000 such keys are 5·10^9 comparisons (minutes of CPU for a
/// 3 MB body). The index is keyed by a seeded hash instead, so the same body parses in linear time.
@Suite struct HashFloodTests {
    static let prime: UInt64 = 0x100_0000_01b3

    /// The inverse of `x · prime` mod 2^64 (Newton's iteration; the prime is odd).
    static let inversePrime: UInt64 = {
        var x: UInt64 = 1
        for _ in 0..<6 { x = x &* (2 &- prime &* x) }
        return x
    }()

    /// Inverse of `y ^ (y >> 29)`.
    static func unshift(_ y: UInt64) -> UInt64 { y ^ (y >> 29) ^ (y >> 58) }

    /// One step of the hash (as in `JSONParserState.fnv`).
    static func step(_ h: UInt64, _ word: UInt64) -> UInt64 {
        let m = (h ^ word) &* prime
        return m ^ (m >> 29)
    }

    /// `count` distinct 16-byte keys (bytes below 0x80, written as JSON escapes where needed) whose
    /// states after both words are equal, so their hashes are equal.
    static func collidingKeys(_ count: Int) -> [[UInt8]] {
        let start: UInt64 = 0xcbf2_9ce4_8422_2325 ^ 16
        let target: UInt64 = 0x0123_4567_89ab_cdef
        let wanted = unshift(target) &* inversePrime   // what (state ^ second word) must be
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15   // xorshift: a system random call per try costs a syscall
        var keys: [[UInt8]] = []
        var seen = Set<UInt64>()
        while keys.count < count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            let first = state & 0x7f7f_7f7f_7f7f_7f7f
            let second = wanted ^ step(start, first)
            guard second & 0x8080_8080_8080_8080 == 0, seen.insert(first).inserted else { continue }
            let bytes = (0..<8).map { UInt8(truncatingIfNeeded: first >> (8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: second >> (8 * $0)) }
            keys.append(bytes)
        }
        return keys
    }

    static func escaped(_ bytes: [UInt8]) -> [UInt8] {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = [0x22]
        for b in bytes {
            if b < 0x20 || b == 0x22 || b == 0x5c || b == 0x7f {
                out += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 15)]]
            } else {
                out.append(b)
            }
        }
        return out + [0x22]
    }

    @Test(.timeLimit(.minutes(1))) func keysChosenToShareAHashParseInLinearTime() throws {
        let keys = Self.collidingKeys(100_000)
        let hashes = Set(keys.prefix(100).map { key in key.withUnsafeBufferPointer { JSONParserState.fnv($0) } })
        #expect(hashes.count == 1, "the keys are meant to share one hash")
        var body: [UInt8] = [0x7b]
        for (n, key) in keys.enumerated() {
            if n > 0 { body.append(0x2c) }
            body += Self.escaped(key) + Array(":0".utf8)
        }
        body.append(0x7d)
        _ = try JSONParser().parseTape(body)
        // A duplicate among them is still found.
        var twice = Array(body.dropLast())
        twice += [0x2c] + Self.escaped(keys[77_777]) + Array(":1}".utf8)
        #expect(throws: JSONParseError.self) { try JSONParser().parseTape(twice) }
    }
}
