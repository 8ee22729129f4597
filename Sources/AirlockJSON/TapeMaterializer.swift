/// Builds `JSONValue` trees from tape nodes. Objects share one key table per materializer, and a key met
/// before reuses its entry (API lists repeat a few names), found through a small direct-mapped cache.
struct TapeMaterializer {
    let view: TapeView
    let keyTable = JSONKeyTable()
    /// Direct-mapped by key hash: a slot remembers a key node and its table index. Allocated only once
    /// `keysSeen` reaches `keyCacheAfter` (a document with a handful of keys would not earn back its setup).
    var keyCache: [KeySlot] = []
    var keysSeen = 0
    /// The document's size, to size the key table and cache (0: unknown, a subtree).
    let bytes: Int
    static let keyCacheAfter = 8

    struct KeySlot {
        var hash: UInt64 = 0
        var node = -1
        var id: UInt32 = 0
    }

    init(view: TapeView, bytes: Int) {
        self.view = view
        self.bytes = bytes
    }

    /// Slots for the key cache: about one per 64 input bytes, a power of two in 32...512.
    static func keyCacheSlots(forBytes n: Int) -> Int {
        let want = max(32, min(512, n >> 6))
        return 1 << (Int.bitWidth - (want - 1).leadingZeroBitCount)
    }

    mutating func value(_ i: Int) -> JSONValue {
        switch view.kind(i) {
        case .null: return .null
        case .falseValue: return .bool(false)
        case .trueValue: return .bool(true)
        case .int, .number: return .number(view.number(i))
        case .string: return .string(view.string(i))
        case .array:
            let n = view.count(i)
            if n == 0 { return .array([]) }
            var items: [JSONValue] = []
            items.reserveCapacity(n)
            var k = i + 1
            for _ in 0..<n {
                items.append(value(k))
                k = view.next(k)
            }
            return .array(items)
        case .object:
            let n = view.count(i)
            if n == 0 { return .object([]) }
            var slots: [JSONSlot] = []
            slots.reserveCapacity(n)
            var k = i + 1
            for _ in 0..<n {
                let key = intern(k)
                slots.append(JSONSlot(value: value(k + 1), key: key))
                k = view.next(k + 1)
            }
            return .object(JSONObject(table: keyTable, slots: slots))
        }
    }

    /// The key-table index for key node `k`: from the cache when the same key was seen before.
    @inline(__always)
    mutating func intern(_ k: Int) -> UInt32 {
        let raw = view.bytes(k)
        if keyCache.isEmpty {
            keysSeen += 1
            if keysSeen < TapeMaterializer.keyCacheAfter { return addKey(raw) }
            keyCache = [KeySlot](repeating: KeySlot(), count: TapeMaterializer.keyCacheSlots(forBytes: bytes))
        }
        let h = JSONParserState.fnv(raw)
        let slot = Int(truncatingIfNeeded: h) & (keyCache.count - 1)
        let e = keyCache[slot]
        if e.hash == h, e.node >= 0, view.equals(e.node, raw) { return e.id }
        let id = addKey(raw)
        keyCache[slot] = KeySlot(hash: h, node: k, id: id)
        return id
    }

    /// Appends a key name to the table; its index. (A key evicted from the cache and met again gets a
    /// second index: equal keys may have different indices.)
    @inline(__always)
    mutating func addKey(_ raw: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let id = UInt32(truncatingIfNeeded: keyTable.names.count)
        // Sized from the input on the first key, so the table does not regrow 1-2-4-8-16-32 per small response.
        if id == 0 { keyTable.names.reserveCapacity(min(64, max(16, bytes >> 4))) }
        keyTable.names.append(String(decoding: raw, as: UTF8.self))
        return id
    }
}
