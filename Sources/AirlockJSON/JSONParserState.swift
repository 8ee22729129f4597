/// The hot parsing loop over an unsafe byte buffer, writing `JSONTape` nodes; recursion is bounded by the
/// depth limit.
struct JSONParserState {
    let p: UnsafeBufferPointer<UInt8>
    let limits: JSONParser.Limits
    let maxDepth: Int
    /// The limits as the tape can hold them (a node addresses 2^28-byte strings and 2^29 children).
    let maxStringLength: Int
    let maxObjectEntries: Int
    let maxArrayItems: Int
    var i = 0
    var depth = 0
    /// The tape being written; handed to the `JSONTape` (or freed by `releaseStacks()` after a failure).
    var nodes = ParseStack<UInt64>()
    /// Decoded escaped strings, addressed by their nodes.
    var side: [UInt8] = []
    /// Where the string being decoded into `side` starts.
    var sideStart = 0
    /// Still true when the input had no whitespace between tokens and no escape in a string: then
    /// `JSONSerializer` would write back exactly the input bytes.
    var canonical = true
    /// Key hashes and key nodes of the objects being parsed, one frame per open object (duplicate-key
    /// detection); closing an object drops its frame.
    var keys = ParseStack<KeyRecord>()
    /// FNV-1a hash of the decoded bytes of the last string parsed (used for object keys).
    var lastStringHash: UInt64 = 0

    init(_ p: UnsafeBufferPointer<UInt8>, _ limits: JSONParser.Limits) {
        self.p = p
        self.limits = limits
        self.maxDepth = min(limits.maxDepth, JSONParser.hardMaxDepth)
        self.maxStringLength = min(limits.maxStringLength, JSONTape.maxLength)
        self.maxObjectEntries = min(limits.maxObjectEntries, JSONTape.maxCount)
        self.maxArrayItems = min(limits.maxArrayItems, JSONTape.maxCount)
    }

    /// One recorded key of an open object.
    struct KeyRecord {
        let hash: UInt64
        let node: Int
    }

    /// Frees the stacks (after a failed parse, the node stack too: a finished one is handed over by `takeTape`).
    mutating func releaseStacks() {
        nodes.release()
        keys.release()
    }

    /// Moves the written nodes into a tape over `input` (the bytes `p` points into).
    mutating func takeTape(input: [UInt8]) -> JSONTape {
        keys.release()
        let (base, count) = nodes.take()
        return JSONTape(nodes: base, nodeCount: count, input: input, side: side, canonical: canonical)
    }

    @inline(__always)
    func fail(_ kind: JSONParseError.Kind, _ at: Int) -> JSONParseFailure {
        JSONParseFailure(kind: kind, offset: at)
    }

    mutating func parseDocument() throws(JSONParseFailure) {
        if p.count > limits.maxBytes { throw fail(.tooManyBytes(limit: limits.maxBytes), limits.maxBytes) }
        if p.count > JSONTape.maxOffset { throw fail(.tooManyBytes(limit: JSONTape.maxOffset), JSONTape.maxOffset) }
        if p.count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { throw fail(.byteOrderMark, 0) }
        // About one node per 10 input bytes in API documents; the stack doubles if that is not enough.
        nodes.reserve(p.count / 10 + 8)
        skipWhitespace()
        if i >= p.count { throw fail(p.isEmpty ? .emptyInput : .unexpectedEndOfInput, i) }
        try parseValue()
        skipWhitespace()
        if i < p.count { throw fail(.trailingContent, i) }
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < p.count {
            let c = p[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1; canonical = false } else { return }
        }
    }

    mutating func parseValue() throws(JSONParseFailure) {
        guard i < p.count else { throw fail(.unexpectedEndOfInput, i) }
        switch p[i] {
        case UInt8(ascii: "{"): try parseObject()
        case UInt8(ascii: "["): try parseArray()
        case UInt8(ascii: "\""): nodes.push(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); nodes.push(JSONTape.scalar(.trueValue))
        case UInt8(ascii: "f"): try expectLiteral("false"); nodes.push(JSONTape.scalar(.falseValue))
        case UInt8(ascii: "n"): try expectLiteral("null"); nodes.push(JSONTape.scalar(.null))
        case UInt8(ascii: "-"), 48...57: nodes.push(try parseNumber())
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

    mutating func parseArray() throws(JSONParseFailure) {
        depth += 1
        if depth > maxDepth { throw fail(.tooDeep(limit: maxDepth), i) }
        i += 1
        let at = nodes.count
        nodes.push(0)
        skipWhitespace()
        var count = 0
        if i < p.count && p[i] == UInt8(ascii: "]") {
            i += 1
        } else {
            while true {
                if count >= maxArrayItems { throw fail(.tooManyArrayItems(limit: maxArrayItems), i) }
                skipWhitespace()
                try parseValue()
                count += 1
                if try closes(UInt8(ascii: "]")) { break }
            }
        }
        depth -= 1
        nodes[at] = JSONTape.container(.array, count: count, end: nodes.count)
    }

    mutating func parseObject() throws(JSONParseFailure) {
        depth += 1
        if depth > maxDepth { throw fail(.tooDeep(limit: maxDepth), i) }
        i += 1
        let at = nodes.count
        nodes.push(0)
        let frame = keys.count
        defer { keys.truncate(to: frame) }
        var bigIndex: [Int: [Int]]? = nil
        // 128-bit filter on key hashes, as two plain words: a SIMD vector indexed by a runtime lane was
        // spilled and reloaded around every key (a store-forwarding stall that showed in wall time).
        var filterLow: UInt64 = 0
        var filterHigh: UInt64 = 0
        skipWhitespace()
        var count = 0
        if i < p.count && p[i] == UInt8(ascii: "}") {
            i += 1
            depth -= 1
            nodes[at] = JSONTape.container(.object, count: 0, end: nodes.count)
            return
        }
        while true {
            if count >= maxObjectEntries { throw fail(.tooManyObjectEntries(limit: maxObjectEntries), i) }
            skipWhitespace()
            guard i < p.count else { throw fail(.unexpectedEndOfInput, i) }
            guard p[i] == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(p[i]), i) }
            let keyOffset = i
            let keyNode = nodes.count
            nodes.push(try parseKey())
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
                if bigIndex != nil { bigIndex?[keyedHash(keyNode), default: []].append(count) }
            } else if count < 128 {
                for k in frame..<keys.count where keys[k].hash == h && sameKey(keys[k].node, keyNode) {
                    throw fail(.duplicateKey(keyString(keyNode)), keyOffset)
                }
            } else {
                // A large object's index is keyed by a seeded hash: the FNV hash is fixed and invertible,
                // so a peer could pick 250,000 keys that share one, and one list of them all would make
                // every new key a scan of the rest.
                if bigIndex == nil {
                    var idx: [Int: [Int]] = [:]
                    for k in frame..<keys.count { idx[keyedHash(keys[k].node), default: []].append(k - frame) }
                    bigIndex = idx
                }
                let keyed = keyedHash(keyNode)
                if let hits = bigIndex?[keyed] {
                    for k in hits where sameKey(keys[frame + k].node, keyNode) {
                        throw fail(.duplicateKey(keyString(keyNode)), keyOffset)
                    }
                }
                bigIndex?[keyed, default: []].append(count)
            }
            keys.push(KeyRecord(hash: h, node: keyNode))
            skipWhitespace()
            guard i < p.count else { throw fail(.unexpectedEndOfInput, i) }
            guard p[i] == UInt8(ascii: ":") else { throw fail(.unexpectedByte(p[i]), i) }
            i += 1
            skipWhitespace()
            try parseValue()
            count += 1
            if try closes(UInt8(ascii: "}")) { break }
        }
        depth -= 1
        nodes[at] = JSONTape.container(.object, count: count, end: nodes.count)
    }

    /// After an array item or object entry: consumes a `,` (false: another one follows) or the `bracket`
    /// that closes the container (true).
    @inline(__always)
    mutating func closes(_ bracket: UInt8) throws(JSONParseFailure) -> Bool {
        skipWhitespace()
        guard i < p.count else { throw fail(.unexpectedEndOfInput, i) }
        let c = p[i]
        i += 1
        if c == UInt8(ascii: ",") { return false }
        if c == bracket { return true }
        throw fail(.unexpectedByte(c), i - 1)
    }

    /// The bytes of string node `k` while the tape is being written.
    func withKeyBytes<R>(_ k: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let (inSide, offset, length) = JSONTape.span(nodes[k])
        if inSide { return side.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[offset..<offset + length])) } }
        return body(UnsafeBufferPointer(rebasing: p[offset..<offset + length]))
    }

    /// Whether two key nodes hold the same key (code-point exact).
    func sameKey(_ a: Int, _ b: Int) -> Bool {
        withKeyBytes(a) { x in withKeyBytes(b) { y in x.elementsEqual(y) } }
    }

    /// A key's hash for a large object's index: SipHash under the process's random seed (`Hasher`),
    /// which a peer cannot aim collisions at.
    func keyedHash(_ k: Int) -> Int {
        withKeyBytes(k) { bytes in
            var hasher = Hasher()
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
            return hasher.finalize()
        }
    }

    /// A key node as a String (for the duplicate-key error).
    func keyString(_ k: Int) -> String {
        withKeyBytes(k) { String(decoding: $0, as: UTF8.self) }
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

    /// Parses a number: an int node for a plain integer of up to 18 digits, else a lexeme node (checked
    /// against the exponent limit here, normalized only when a schema reads it).
    mutating func parseNumber() throws(JSONParseFailure) -> UInt64 {
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
            return JSONTape.int(negative ? -value : value)
        }
        let length = i - start
        if length > limits.maxNumberLength { throw fail(.numberTooLarge(limit: limits.maxNumberLength), start) }
        if length > JSONTape.maxLength { throw fail(.numberTooLarge(limit: JSONTape.maxLength), start) }
        if limits.maxNumberExponent != Int.max {
            let text = String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
            guard let storage = JSONNumber.scan(p, start, i, text: text) else { throw fail(.invalidNumber, start) }
            if case .decimal(let d) = storage,
               d.exponent.magnitude > UInt(limits.maxNumberExponent) || (d.exponent + d.digits.count).magnitude > UInt(limits.maxNumberExponent) {
                throw fail(.numberTooLarge(limit: limits.maxNumberExponent), start)
            }
        }
        return JSONTape.bytes(.number, side: false, offset: start, length: length)
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
        get { base.unsafelyUnwrapped[index] }
        set { base.unsafelyUnwrapped[index] = newValue }
    }

    /// Makes room for at least `n` elements (before the first push: sizes the stack from the input).
    mutating func reserve(_ n: Int) {
        if n > capacity { grow(to: n) }
    }

    /// Hands over the storage (at least one element's worth, even when empty) and its element count;
    /// the caller deinitializes and frees it.
    mutating func take() -> (UnsafeMutablePointer<Element>, Int) {
        if base == nil { grow(to: 1) }
        let out = (base.unsafelyUnwrapped, count)
        base = nil
        capacity = 0
        count = 0
        return out
    }

    @inline(__always)
    mutating func push(_ element: Element) {
        if count == capacity { grow(to: max(64, capacity * 2)) }
        (base.unsafelyUnwrapped + count).initialize(to: element)
        count += 1
    }

    private mutating func grow(to newCapacity: Int) {
        let fresh = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        if let old = base {
            fresh.moveInitialize(from: old, count: count)
            old.deallocate()
        }
        base = fresh
        capacity = newCapacity
    }

    /// Drops the elements from `n` on.
    @inline(__always)
    mutating func truncate(to n: Int) {
        if n < count { (base.unsafelyUnwrapped + n).deinitialize(count: count - n) }
        count = n
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
