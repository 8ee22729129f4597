#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A parsed document as one flat array of 8-byte nodes in document order: what the validator reads.
///
/// A value tree costs a String per key and string value, an array per object and array, and as much again
/// to free it; validating an API response needs none of that. On the tape a string or number is a range of
/// the input bytes (escaped strings are decoded once into `side`), a container is one node that knows how
/// many children it has and where it ends, and an object's children alternate key node, value node(s).
/// `JSONValue` is built from the tape only for callers that want a tree (`JSONParser.parse`).
///
/// Node layout (`kind` in the top three bits):
/// - null, false, true: the kind alone;
/// - int: a plain integer in the low 61 bits (two's complement, |v| < 2^60);
/// - number (any other lexeme) and string: bit 60 set when the bytes are in `side`, else in `input`;
///   bits 28..59 offset, bits 0..27 length;
/// - array and object: bits 32..60 child count (entries for an object), bits 0..31 the index one past the
///   container's last node.
public final class JSONTape: @unchecked Sendable {
    /// Node kinds (the top three bits of a node).
    enum Kind: UInt64 {
        case null = 0, falseValue, trueValue, int, number, string, array, object
    }

    /// The nodes; freed in `deinit`. Written only while the tape is built, then read-only.
    let nodes: UnsafeMutablePointer<UInt64>
    let nodeCount: Int
    /// The document's bytes (strings without escapes and number lexemes are read in place).
    let input: [UInt8]
    /// Decoded escaped strings (and, for tapes built from a `JSONValue`, every string and lexeme).
    let side: [UInt8]
    /// True when re-serializing would reproduce `input` exactly (no whitespace between tokens, no escapes).
    public let canonical: Bool

    /// Largest string or lexeme a node can address, and largest offset.
    static let maxLength = (1 << 28) - 1
    static let maxOffset = (1 << 32) - 1
    /// Most children a container node can count.
    static let maxCount = (1 << 29) - 1

    init(nodes: UnsafeMutablePointer<UInt64>, nodeCount: Int, input: [UInt8], side: [UInt8], canonical: Bool) {
        self.nodes = nodes
        self.nodeCount = nodeCount
        self.input = input
        self.side = side
        self.canonical = canonical
    }

    deinit { nodes.deallocate() }

    /// Runs `body` with a retain-free view of the tape (valid only inside `body`).
    @inline(__always)
    func withView<R>(_ body: (TapeView) throws -> R) rethrows -> R {
        try input.withUnsafeBufferPointer { inp in
            try side.withUnsafeBufferPointer { sd in
                try withExtendedLifetime(self) {
                    try body(TapeView(nodes: UnsafePointer(nodes), input: inp.baseAddress, side: sd.baseAddress, nodeCount: nodeCount))
                }
            }
        }
    }

    /// The document as a value tree.
    public var value: JSONValue {
        withView { view in
            var m = TapeMaterializer(view: view, bytes: input.count)
            return m.value(0)
        }
    }

    // MARK: node encoding

    @inline(__always) static func scalar(_ k: Kind) -> UInt64 { k.rawValue << 61 }

    @inline(__always) static func int(_ v: Int64) -> UInt64 {
        Kind.int.rawValue << 61 | UInt64(bitPattern: v) & ((1 << 61) - 1)
    }

    /// Whether `v` fits an int node.
    @inline(__always) static func fitsInt(_ v: Int64) -> Bool { v > -(1 << 60) && v < 1 << 60 }

    @inline(__always) static func bytes(_ k: Kind, side: Bool, offset: Int, length: Int) -> UInt64 {
        k.rawValue << 61 | (side ? 1 << 60 : 0) | UInt64(offset) << 28 | UInt64(length)
    }

    /// Where the bytes of a string or number node are: in `side` or in the input, at `offset`, `length` long.
    @inline(__always) static func span(_ w: UInt64) -> (side: Bool, offset: Int, length: Int) {
        (w & 1 << 60 != 0, Int(w >> 28 & 0xFFFF_FFFF), Int(w & 0xFFF_FFFF))
    }

    @inline(__always) static func container(_ k: Kind, count: Int, end: Int) -> UInt64 {
        k.rawValue << 61 | UInt64(count) << 32 | UInt64(end)
    }
}

/// Retain-free read access to a `JSONTape` while it is kept alive (`JSONTape.withView`). Node positions are
/// `Int`s that the tape itself produced (0 is the root), so reads need no bounds checks.
struct TapeView {
    let nodes: UnsafePointer<UInt64>
    let input: UnsafePointer<UInt8>?
    let side: UnsafePointer<UInt8>?
    /// How many nodes the document has (what bounds the work of validating it).
    let nodeCount: Int

    @inline(__always) func kind(_ i: Int) -> JSONTape.Kind {
        JSONTape.Kind(rawValue: nodes[i] >> 61).unsafelyUnwrapped
    }

    /// The value of an int node.
    @inline(__always) func int(_ i: Int) -> Int64 { Int64(bitPattern: nodes[i] << 3) >> 3 }

    /// The bytes of a string or number node (decoded, for an escaped string).
    @inline(__always) func bytes(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        let (inSide, offset, length) = JSONTape.span(nodes[i])
        return UnsafeBufferPointer(start: (inSide ? side : input).map { $0 + offset }, count: length)
    }

    /// Byte length of a string node (its UTF-8 length).
    @inline(__always) func length(_ i: Int) -> Int { JSONTape.span(nodes[i]).length }

    /// Child count of an array (items) or object (entries).
    @inline(__always) func count(_ i: Int) -> Int { Int(nodes[i] >> 32 & 0x1FFF_FFFF) }

    /// The position after the value at `i` (its last node's successor).
    @inline(__always) func next(_ i: Int) -> Int {
        let w = nodes[i]
        return w >> 62 == 3 ? Int(w & 0xFFFF_FFFF) : i + 1   // kinds 6 and 7 are the containers
    }

    /// A string node as a String (validated UTF-8 by the parser).
    func string(_ i: Int) -> String { String(decoding: bytes(i), as: UTF8.self) }

    /// A number node (int or lexeme) as an exact number. Lexemes on a tape were checked by the parser (or
    /// come from a `JSONNumber`'s own text), so `scan` cannot fail here; the fallback is never taken.
    func number(_ i: Int) -> JSONNumber {
        if kind(i) == .int { return JSONNumber(storage: .int(int(i))) }
        let b = bytes(i)
        return JSONNumber(storage: JSONNumber.scan(b, 0, b.count, text: String(decoding: b, as: UTF8.self)) ?? .int(0))
    }

    /// Whether a string node holds exactly these bytes.
    @inline(__always) func equals(_ i: Int, _ other: UnsafeBufferPointer<UInt8>) -> Bool {
        let b = bytes(i)
        guard b.count == other.count else { return false }
        guard b.count > 0, let x = b.baseAddress, let y = other.baseAddress else { return true }
        return memcmp(x, y, b.count) == 0
    }

    /// Whether a string node holds exactly the code points of `s`.
    func equals(_ i: Int, _ s: String) -> Bool {
        var s = s
        return s.withUTF8 { equals(i, $0) }
    }

    /// The value node of the member `name` of object `o`, or nil.
    func member(_ o: Int, _ name: String) -> Int? {
        var name = name
        return name.withUTF8 { n in
            var k = o + 1
            let end = next(o)
            while k < end {
                if equals(k, n) { return k + 1 }
                k = next(k + 1)
            }
            return nil
        }
    }

    /// Structural equality with a value (JSON Schema's: exact numbers, key order ignored).
    func equals(_ i: Int, _ v: JSONValue) -> Bool {
        switch (kind(i), v) {
        case (.null, .null): return true
        case (.falseValue, .bool(false)), (.trueValue, .bool(true)): return true
        case let (.int, .number(n)):
            if case let .int(x) = n.storage { return x == int(i) }
            return number(i) == n
        case let (.number, .number(n)): return number(i) == n
        case let (.string, .string(s)): return equals(i, s)
        case let (.array, .array(a)):
            guard count(i) == a.count else { return false }
            var k = i + 1
            for item in a {
                if !equals(k, item) { return false }
                k = next(k)
            }
            return true
        case let (.object, .object(o)):
            guard count(i) == o.count else { return false }
            var k = i + 1
            let end = next(i)
            while k < end {
                guard let other = o[string(k)], equals(k + 1, other) else { return false }
                k = next(k + 1)
            }
            return true
        default: return false
        }
    }

    /// The value at `i` as a tree (for the rare checks that compare whole values, e.g. uniqueItems).
    func value(_ i: Int) -> JSONValue {
        var m = TapeMaterializer(view: self, bytes: 0)
        return m.value(i)
    }
}

extension JSONTape {
    /// The tape of an in-memory value (what `CompiledSchema` validates): every string and non-inline number
    /// lexeme is copied into `side`. A string longer than 2^28-1 bytes cannot be put on a tape (the parser
    /// never produces one); building such a value by hand and validating it is a programming error.
    public convenience init(_ value: JSONValue) {
        var b = TapeBuilder()
        b.write(value)
        let (base, count) = b.nodes.take()
        self.init(nodes: base, nodeCount: count, input: [], side: b.side, canonical: false)
    }
}

/// Writes a `JSONValue` as tape nodes.
struct TapeBuilder {
    var nodes = ParseStack<UInt64>()
    var side: [UInt8] = []

    mutating func write(_ v: JSONValue) {
        switch v {
        case .null: nodes.push(JSONTape.scalar(.null))
        case let .bool(b): nodes.push(JSONTape.scalar(b ? .trueValue : .falseValue))
        case let .number(n):
            if case let .int(x) = n.storage, JSONTape.fitsInt(x) {
                nodes.push(JSONTape.int(x))
            } else {
                nodes.push(bytes(.number, n.text))
            }
        case let .string(s): nodes.push(bytes(.string, s))
        case let .array(a):
            let at = nodes.count
            nodes.push(0)
            for item in a { write(item) }
            nodes[at] = JSONTape.container(.array, count: a.count, end: nodes.count)
        case let .object(o):
            let at = nodes.count
            nodes.push(0)
            for (key, value) in o {
                nodes.push(bytes(.string, key))
                write(value)
            }
            nodes[at] = JSONTape.container(.object, count: o.count, end: nodes.count)
        }
    }

    mutating func bytes(_ kind: JSONTape.Kind, _ s: String) -> UInt64 {
        let offset = side.count
        side.append(contentsOf: s.utf8)
        let length = side.count - offset
        precondition(length <= JSONTape.maxLength && side.count <= JSONTape.maxOffset, "value too large for a tape")
        return JSONTape.bytes(kind, side: true, offset: offset, length: length)
    }
}
