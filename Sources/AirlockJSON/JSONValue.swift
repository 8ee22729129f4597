#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An immutable JSON value tree produced by `JSONParser`; objects keep their key order.
public enum JSONValue: Sendable, Equatable {
    /// JSON `null`.
    case null
    /// `true` / `false`.
    case bool(Bool)
    /// A number kept exactly as parsed.
    case number(JSONNumber)
    /// A string (valid Unicode scalars only: lone surrogates are refused by the parser).
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object, keys in document order (unique when produced by the parser).
    case object(JSONObject)

    /// Structural equality per JSON Schema: numbers compare exactly, objects ignore key order.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b
        case let (.string(a), .string(b)): return JSONValue.sameBytes(a, b)
        case let (.array(a), .array(b)):
            guard a.count == b.count else { return false }
            for i in 0..<a.count where a[i] != b[i] { return false }
            return true
        case let (.object(a), .object(b)):
            guard a.count == b.count else { return false }
            for entry in a {
                guard let other = b[entry.key], other == entry.value else { return false }
            }
            return true
        default: return false
        }
    }

    /// Code-point exact string equality (Swift's `==` would also equate canonically equivalent strings).
    /// One `memcmp` (a generic element-by-element compare cost hundreds of instructions per enum/const check).
    @inline(__always)
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        if a.utf8.count != b.utf8.count { return false }
        var x = a
        var y = b
        return x.withUTF8 { xa in
            y.withUTF8 { ya in
                guard let p = xa.baseAddress, let q = ya.baseAddress else { return xa.count == ya.count }
                return memcmp(p, q, xa.count) == 0
            }
        }
    }

    /// Member of an object by key, or nil for non-objects and missing keys.
    public subscript(key: String) -> JSONValue? {
        if case let .object(entries) = self { return entries[key] }
        return nil
    }

    /// The string payload, if this is a string, for concise schema reading.
    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// The ordered object body, if this is an object.
    public var objectValue: JSONObject? {
        if case let .object(o) = self { return o }
        return nil
    }

    /// The array body, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case let .array(a) = self { return a }
        return nil
    }

    /// The number payload, if this is a number.
    public var numberValue: JSONNumber? {
        if case let .number(n) = self { return n }
        return nil
    }

    /// The bool payload, if this is a boolean.
    public var boolValue: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }

    /// A hash consistent with `==` (key-order independent, exact numbers), used by uniqueItems.
    public var structuralHash: Int {
        var h = Hasher()
        hashInto(&h)
        return h.finalize()
    }

    private func hashInto(_ h: inout Hasher) {
        switch self {
        case .null: h.combine(0)
        case let .bool(b): h.combine(1); h.combine(b)
        case let .number(n): h.combine(2); h.combine(n)
        case let .string(s): h.combine(3); h.combine(s)
        case let .array(a):
            h.combine(4); h.combine(a.count)
            for v in a { v.hashInto(&h) }
        case let .object(o):
            h.combine(5); h.combine(o.count)
            var acc = 0
            for e in o {
                var sub = Hasher()
                sub.combine(e.key)
                e.value.hashInto(&sub)
                acc = acc &+ sub.finalize()
            }
            h.combine(acc)
        }
    }
}

/// The key names of one parsed document, shared by all of its objects: an entry stores a 4-byte index into
/// this table instead of a 16-byte String, so an entry takes 24 bytes instead of 40 (entries are most of a
/// parsed API document's memory). Appended to only by the parser while it builds the document, then read-only.
public final class JSONKeyTable: @unchecked Sendable {
    @exclusivity(unchecked) var names: [String]

    init(_ names: [String] = []) {
        self.names = names
    }

    /// The table of objects built without a parser and without keys.
    static let empty = JSONKeyTable()
}

/// One object entry: the value and its key's index in the object's `JSONKeyTable` (24 bytes).
struct JSONSlot {
    var value: JSONValue
    var key: UInt32
}

/// An object body: entries in document order, read as `(key, value)` pairs.
public struct JSONObject: RandomAccessCollection, ExpressibleByArrayLiteral, Sendable {
    public typealias Element = (key: String, value: JSONValue)
    public typealias Index = Int

    let table: JSONKeyTable
    let slots: [JSONSlot]

    /// An object with these entries, in this order.
    public init(_ entries: [(key: String, value: JSONValue)]) {
        if entries.isEmpty {
            table = .empty
            slots = []
            return
        }
        table = JSONKeyTable(entries.map(\.key))
        var built: [JSONSlot] = []
        built.reserveCapacity(entries.count)
        for (i, e) in entries.enumerated() { built.append(JSONSlot(value: e.value, key: UInt32(i))) }
        slots = built
    }

    /// An object literal: `["a": 1]` is written `[(key: "a", value: .number(1))]`.
    public init(arrayLiteral elements: (key: String, value: JSONValue)...) {
        self.init(elements)
    }

    init(table: JSONKeyTable, slots: [JSONSlot]) {
        self.table = table
        self.slots = slots
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { slots.count }

    @inline(__always)
    public subscript(position: Int) -> (key: String, value: JSONValue) {
        (key: table.names[Int(slots[position].key)], value: slots[position].value)
    }

    /// The key of entry `position`.
    @inline(__always)
    func key(at position: Int) -> String {
        table.names[Int(slots[position].key)]
    }

    /// The value for `key`, or nil (linear: objects are small and keep their order).
    public subscript(key: String) -> JSONValue? {
        let names = table.names
        for slot in slots where names[Int(slot.key)] == key { return slot.value }
        return nil
    }
}
