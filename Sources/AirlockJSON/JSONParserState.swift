/// The hot parsing loop over an unsafe byte buffer; recursion is bounded by the depth limit.
struct JSONParserState {
    let p: UnsafeBufferPointer<UInt8>
    let limits: JSONParser.Limits
    let maxDepth: Int
    var i = 0
    var depth = 0
    var scratch: [UInt8] = []
    /// Still true when the input had no whitespace between tokens and no escape in a string: then
    /// `JSONSerializer` would write back exactly the input bytes.
    var canonical = true
    /// Key hashes of the objects being parsed, one frame per open object (duplicate-key detection): the
    /// live entries are `keyHashes[..<keyTop]`. Closing an object just lowers `keyTop`, and later keys
    /// overwrite the stale slots (shrinking the array per object cost a `replaceSubrange` call each time).
    var keyHashes: [UInt64] = []
    var keyTop = 0
    /// FNV-1a hash of the decoded bytes of the last string parsed (used for object keys).
    var lastStringHash: UInt64 = 0
    /// Recently seen object keys, direct-mapped by key hash: a repeated key (API lists repeat a few names)
    /// reuses one String instead of being validated and built again (see `internKey`). Sized by
    /// `keyCacheSlots`, and only allocated once `keysSeen` reaches `keyCacheAfter`: a document with a
    /// handful of keys would not earn back its setup.
    var keyCache: [KeySlot] = []
    var keysSeen = 0
    static let keyCacheAfter = 8
    /// Entries of the objects being parsed, innermost last: an object's entries are `entries[start...]`
    /// and move into an exactly sized array when it closes. Growing a per-object array instead left a third
    /// of the capacity unused on API documents (measured: 10.6 MB of a 20 MB document's tree) and
    /// reallocated on the way up. Freed (with whatever a failed parse left) by `releaseStacks()`.
    var entries = ParseStack<JSONSlot>()
    /// Key names of this document, shared by all its objects (entries store indices into it).
    let keyTable = JSONKeyTable()
    /// Items of the arrays being parsed, as for `entries`.
    var items = ParseStack<JSONValue>()

    init(_ p: UnsafeBufferPointer<UInt8>, _ limits: JSONParser.Limits) {
        self.p = p
        self.limits = limits
        self.maxDepth = min(limits.maxDepth, JSONParser.hardMaxDepth)
    }

    /// Frees the entry and item stacks, releasing what a failed parse left on them.
    mutating func releaseStacks() {
        entries.release()
        items.release()
    }

    @inline(__always)
    func fail(_ kind: JSONParseError.Kind, _ at: Int) -> JSONParseFailure {
        JSONParseFailure(kind: kind, offset: at)
    }

    mutating func parseDocument() throws(JSONParseFailure) -> JSONValue {
        if p.count > limits.maxBytes { throw fail(.tooManyBytes(limit: limits.maxBytes), limits.maxBytes) }
        if p.count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { throw fail(.byteOrderMark, 0) }
        skipWhitespace()
        if i >= p.count { throw fail(p.isEmpty ? .emptyInput : .unexpectedEndOfInput, i) }
        let v = try parseValue()
        skipWhitespace()
        if i < p.count { throw fail(.trailingContent, i) }
        return v
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < p.count {
            let c = p[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1; canonical = false } else { return }
        }
    }

    mutating func parseValue() throws(JSONParseFailure) -> JSONValue {
        guard i < p.count else { throw fail(.unexpectedEndOfInput, i) }
        switch p[i] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), 48...57: return .number(try parseNumber())
        default: throw fail(.unexpectedByte(p[i]), i)
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONParseFailure) {
        let n = word.utf8CodeUnitCount
        // Fast path: compare the four leading bytes at once.
        if i + n <= p.count, let base = p.baseAddress {
            let have = UnsafeRawPointer(base).loadUnaligned(fromByteOffset: i, as: UInt32.self)
            let want = UnsafeRawPointer(word.utf8Start).loadUnaligned(as: UInt32.self)
            if have == want && (n == 4 || p[i + 4] == word.utf8Start[4]) {
                i += n
                return
            }
        }
        let w = word.utf8Start
        for k in 0..<n {
            guard i + k < p.count else { throw fail(.unexpectedEndOfInput, i + k) }
            if p[i + k] != w[k] { throw fail(.unexpectedByte(p[i + k]), i + k) }
        }
        i += n
    }

    mutating func parseArray() throws(JSONParseFailure) -> JSONValue {
        depth += 1
        if depth > maxDepth { throw fail(.tooDeep(limit: maxDepth), i) }
        i += 1
        skipWhitespace()
        if i < p.count && p[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return .array([]) }
        let start = items.count
        while true {
            if items.count - start >= limits.maxArrayItems {
                throw fail(.tooManyArrayItems(limit: limits.maxArrayItems), i)
            }
            skipWhitespace()
            let value = try parseValue()
            items.push(value)
            skipWhitespace()
            guard i < p.count else { throw fail(.unexpectedEndOfInput, i) }
            let c = p[i]
            i += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "]") { break }
            throw fail(.unexpectedByte(c), i - 1)
        }
        depth -= 1
        return .array(items.popArray(from: start))
    }

    mutating func parseObject() throws(JSONParseFailure) -> JSONValue {
        depth += 1
        if depth > maxDepth { throw fail(.tooDeep(limit: maxDepth), i) }
        i += 1
        let frame = keyTop
        defer { keyTop = frame }
        var bigIndex: [UInt64: [Int]]? = nil
        // 128-bit filter on key hashes, as two plain words: a SIMD vector indexed by a runtime lane was
        // spilled and reloaded around every key (a store-forwarding stall that showed in wall time).
        var filterLow: UInt64 = 0
        var filterHigh: UInt64 = 0
        skipWhitespace()
        if i < p.count && p[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return .object([]) }   // `{}` allocates nothing
        let start = entries.count
        while true {
            let count = entries.count - start
            if count >= limits.maxObjectEntries {
                throw fail(.tooManyObjectEntries(limit: limits.maxObjectEntries), i)
            }
            skipWhitespace()
            guard i < p.count else { throw fail(.unexpectedEndOfInput, i) }
            guard p[i] == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(p[i]), i) }
            let keyOffset = i
            let key = try parseKey()
            // Duplicate keys (I-JSON, code-point exact): FNV-1a hashes compared first, bytes on a hash match.
            let h = lastStringHash
            // 128-bit filter on the hash: a key whose bit is clear cannot be a duplicate (no scan needed).
            // Both words are updated without a branch (which word is random, so a branch would mispredict).
            let bit: UInt64 = 1 << ((h >> 58) & 63)
            let high = h & (1 << 57) != 0
            let maybeSeen = (high ? filterHigh : filterLow) & bit != 0
            filterHigh |= high ? bit : 0
            filterLow |= high ? 0 : bit
            if !maybeSeen {
                // New key for sure; still record it for the large-object index.
                if bigIndex != nil { bigIndex?[h, default: []].append(count) }
            } else if count < 128 {
                let top = keyTop
                let hit = keyHashes.withUnsafeBufferPointer { kh -> Bool in
                    var k = frame
                    while k < top {
                        if kh[k] == h { return true }
                        k += 1
                    }
                    return false
                }
                if hit {
                    for k in start..<entries.count where sameKey(entries[k].key, key) {
                        throw fail(.duplicateKey(keyTable.names[Int(key)]), keyOffset)
                    }
                }
            } else {
                if bigIndex == nil {
                    var idx: [UInt64: [Int]] = [:]
                    for k in frame..<keyTop { idx[keyHashes[k], default: []].append(k - frame) }
                    bigIndex = idx
                }
                if let hits = bigIndex?[h] {
                    for k in hits where sameKey(entries[start + k].key, key) {
                        throw fail(.duplicateKey(keyTable.names[Int(key)]), keyOffset)
                    }
                }
                bigIndex?[h, default: []].append(count)
            }
            if keyTop < keyHashes.count {
                keyHashes[keyTop] = h
            } else {
                if keyHashes.isEmpty { keyHashes.reserveCapacity(16) }   // skips the 1-2-4-8 regrowth
                keyHashes.append(h)
            }
            keyTop += 1
            skipWhitespace()
            guard i < p.count else { throw fail(.unexpectedEndOfInput, i) }
            guard p[i] == UInt8(ascii: ":") else { throw fail(.unexpectedByte(p[i]), i) }
            i += 1
            skipWhitespace()
            let value = try parseValue()
            entries.push(JSONSlot(value: value, key: key))
            skipWhitespace()
            guard i < p.count else { throw fail(.unexpectedEndOfInput, i) }
            let c = p[i]
            i += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "}") { break }
            throw fail(.unexpectedByte(c), i - 1)
        }
        depth -= 1
        return .object(JSONObject(table: keyTable, slots: entries.popArray(from: start)))
    }

    /// Whether two key-table entries hold the same key (code-point exact).
    func sameKey(_ a: UInt32, _ b: UInt32) -> Bool {
        a == b || JSONValue.sameBytes(keyTable.names[Int(a)], keyTable.names[Int(b)])
    }

    /// 64-bit hash of decoded UTF-8 bytes, eight bytes per step, with a final avalanche (all bits are used).
    @inline(__always)
    static func fnv(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        fnv(b, 0, b.count)
    }

    /// Same hash over `p[start..<start+count]`; the tail word is read in one load when `p` has 8 bytes there
    /// (the document continues after a key), else byte by byte — both give identical values (little-endian).
    @inline(__always)
    static func fnv(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(count)
        guard let base = p.baseAddress else { return h }
        let raw = UnsafeRawPointer(base)
        var k = start
        let end = start + count
        while k + 8 <= end {
            h = (h ^ raw.loadUnaligned(fromByteOffset: k, as: UInt64.self)) &* 0x100_0000_01b3
            h ^= h >> 29
            k += 8
        }
        var tail: UInt64 = 0
        let rem = end - k
        if rem > 0 && k + 8 <= p.count {
            tail = raw.loadUnaligned(fromByteOffset: k, as: UInt64.self) & ((1 << UInt64(rem * 8)) &- 1)
        } else {
            var shift: UInt64 = 0
            while k < end {
                tail |= UInt64(p[k]) << shift
                shift += 8
                k += 1
            }
        }
        h = (h ^ tail) &* 0x100_0000_01b3
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }

    mutating func parseNumber() throws(JSONParseFailure) -> JSONNumber {
        let start = i
        var negative = false
        if p[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard i < p.count else { throw fail(.unexpectedEndOfInput, i) }
        var simple = true
        var value: Int64 = 0
        let intStart = i
        if p[i] == UInt8(ascii: "0") {
            i += 1
            if i < p.count && p[i] >= 48 && p[i] <= 57 { throw fail(.invalidNumber, start) }
        } else if p[i] >= 49 && p[i] <= 57 {
            while i < p.count && p[i] >= 48 && p[i] <= 57 {
                value = value &* 10 &+ Int64(p[i] &- 48)
                i += 1
            }
            if i - intStart > 18 { simple = false }
        } else {
            throw fail(.invalidNumber, i)
        }
        if i < p.count && p[i] == UInt8(ascii: ".") {
            simple = false
            i += 1
            let s = i
            while i < p.count && p[i] >= 48 && p[i] <= 57 { i += 1 }
            if i == s { throw fail(i < p.count ? .invalidNumber : .unexpectedEndOfInput, i) }
        }
        if i < p.count && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            simple = false
            i += 1
            if i < p.count && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
            let s = i
            while i < p.count && p[i] >= 48 && p[i] <= 57 { i += 1 }
            if i == s { throw fail(i < p.count ? .invalidNumber : .unexpectedEndOfInput, i) }
        }
        if simple && !(negative && value == 0) {
            return JSONNumber(storage: .int(negative ? -value : value))
        }
        if i - start > limits.maxNumberLength { throw fail(.numberTooLarge(limit: limits.maxNumberLength), start) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
        guard let storage = JSONNumber.scan(p, start, i, text: text) else { throw fail(.invalidNumber, start) }
        if limits.maxNumberExponent != Int.max, case .decimal(let d) = storage,
           d.exponent.magnitude > UInt(limits.maxNumberExponent) || (d.exponent + d.digits.count).magnitude > UInt(limits.maxNumberExponent) {
            throw fail(.numberTooLarge(limit: limits.maxNumberExponent), start)
        }
        return JSONNumber(storage: storage)
    }
}

extension JSONParserState {
    /// One key-cache entry: an unescaped key's table index, its hash, and where it occurred in the input (`count` -1: empty).
    struct KeySlot {
        var hash: UInt64 = 0
        var offset = 0
        var count = -1
        var id: UInt32 = 0
    }

    /// Slots for the key cache: about one per 64 input bytes, a power of two in 32...512. Setting up and
    /// freeing the table is a fixed cost per document, so small documents get a small one (a 512-slot
    /// table cost a 2 KB document a tenth of its parse) while large ones still keep many distinct keys apart.
    @inline(__always)
    static func keyCacheSlots(forBytes n: Int) -> Int {
        let want = max(32, min(512, n >> 6))
        return 1 << (Int.bitWidth - (want - 1).leadingZeroBitCount)
    }
}

/// A growable stack in manually managed memory whose top elements can be moved out into an exactly sized
/// array (`Array` itself can only copy out of a buffer, a retain and a release per element).
/// The owner calls `release()` once; until then the storage is reused by every object or array parsed.
struct ParseStack<Element> {
    private var base: UnsafeMutablePointer<Element>?
    private var capacity = 0
    private(set) var count = 0

    @inline(__always)
    subscript(index: Int) -> Element {
        base.unsafelyUnwrapped[index]
    }

    @inline(__always)
    mutating func push(_ element: Element) {
        if count == capacity { grow() }
        (base.unsafelyUnwrapped + count).initialize(to: element)
        count += 1
    }

    private mutating func grow() {
        let newCapacity = max(64, capacity * 2)
        let fresh = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        if let old = base {
            fresh.moveInitialize(from: old, count: count)
            old.deallocate()
        }
        base = fresh
        capacity = newCapacity
    }

    /// Moves `self[start..<count]` into a new array of exactly that size and shrinks the stack to `start`.
    @inline(__always)
    mutating func popArray(from start: Int) -> [Element] {
        let n = count - start
        guard n > 0, let base else { return [] }
        let out = [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            buffer.baseAddress.unsafelyUnwrapped.moveInitialize(from: base + start, count: n)
            initialized = n
        }
        count = start
        return out
    }

    /// Deinitializes what is left and frees the storage.
    mutating func release() {
        guard let base else { return }
        base.deinitialize(count: count)
        base.deallocate()
        self.base = nil
        capacity = 0
        count = 0
    }
}
