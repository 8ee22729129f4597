#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A schema's property names as UTF-8 bytes, looked up by an instance key's bytes straight from the tape
/// (no String is built per key): position `i` is the i-th name, found with one `memcmp` when the caller
/// guesses it, else through an open-addressing table keyed by the parser's key hash. Built once when the
/// schema is compiled, read-only afterwards.
final class PropertyNameTable: @unchecked Sendable {
    /// Number of names.
    let count: Int
    /// All names back to back; name `i` is `bytes[starts[i]..<starts[i + 1]]`.
    private let bytes: UnsafeMutablePointer<UInt8>
    private let starts: UnsafeMutablePointer<Int>
    /// Name position + 1 per slot (0: empty); a power-of-two size at least twice `count`.
    private let slots: UnsafeMutablePointer<Int32>
    private let mask: Int

    init(_ names: [String]) {
        count = names.count
        let total = names.reduce(0) { $0 + $1.utf8.count }
        bytes = .allocate(capacity: max(1, total))
        starts = .allocate(capacity: count + 1)
        var at = 0
        for (i, name) in names.enumerated() {
            starts[i] = at
            for b in name.utf8 { bytes[at] = b; at += 1 }
        }
        starts[count] = at
        var size = 4
        while size < 2 * count { size <<= 1 }
        mask = size - 1
        slots = .allocate(capacity: size)
        slots.initialize(repeating: 0, count: size)
        for i in 0..<count {
            var h = Int(truncatingIfNeeded: JSONParserState.fnv(name(i))) & mask
            while slots[h] != 0 { h = (h + 1) & mask }
            slots[h] = Int32(i + 1)
        }
    }

    deinit {
        bytes.deallocate()
        starts.deallocate()
        slots.deallocate()
    }

    /// The bytes of name `i`.
    @inline(__always)
    private func name(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: bytes + starts[i], count: starts[i + 1] - starts[i])
    }

    /// Whether name `i` is exactly `key`.
    @inline(__always)
    func equals(_ i: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = starts[i + 1] - starts[i]
        guard n == key.count else { return false }
        guard n > 0, let k = key.baseAddress else { return true }
        return memcmp(bytes + starts[i], k, n) == 0
    }

    /// The position of the name equal to `key`, or -1.
    func slot(for key: UnsafeBufferPointer<UInt8>) -> Int {
        var h = Int(truncatingIfNeeded: JSONParserState.fnv(key)) & mask
        while true {
            let s = Int(slots[h])
            if s == 0 { return -1 }
            if equals(s - 1, key) { return s - 1 }
            h = (h + 1) & mask
        }
    }
}
