/// An IPv4 or IPv6 address; one value type so every destination check compares like with like (no string matching of addresses).
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// True for IPv4 (value in the low 32 bits of `lo`), false for IPv6; the two families never compare equal.
    public let isV4: Bool
    /// High 64 bits of the 128-bit value (always 0 for IPv4).
    public let hi: UInt64
    /// Low 64 bits of the 128-bit value (IPv4 lives in the low 32 bits).
    public let lo: UInt64

    private init(isV4: Bool, hi: UInt64, lo: UInt64) {
        self.isV4 = isV4
        self.hi = hi
        self.lo = lo
    }

    /// Builds an IPv4 address from its host-order 32-bit value (e.g. 0x7F000001 for 127.0.0.1).
    public static func v4(_ value: UInt32) -> IPAddress {
        IPAddress(isV4: true, hi: 0, lo: UInt64(value))
    }

    /// Builds an IPv6 address from its 128-bit value split in two host-order halves.
    public static func v6(hi: UInt64, lo: UInt64) -> IPAddress {
        IPAddress(isV4: false, hi: hi, lo: lo)
    }

    /// Builds an IPv4 address from four network-order octets, as found in `sockaddr_in`.
    public init(v4Bytes: (UInt8, UInt8, UInt8, UInt8)) {
        let value = UInt32(v4Bytes.0) << 24 | UInt32(v4Bytes.1) << 16 | UInt32(v4Bytes.2) << 8 | UInt32(v4Bytes.3)
        self.init(isV4: true, hi: 0, lo: UInt64(value))
    }

    /// Builds an address from 4 (IPv4) or 16 (IPv6) network-order bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4:
            self.init(v4Bytes: (bytes[0], bytes[1], bytes[2], bytes[3]))
        case 16:
            var hi: UInt64 = 0
            var lo: UInt64 = 0
            for index in 0..<8 { hi = hi << 8 | UInt64(bytes[index]) }
            for index in 8..<16 { lo = lo << 8 | UInt64(bytes[index]) }
            self.init(isV4: false, hi: hi, lo: lo)
        default:
            return nil
        }
    }

    /// Strictly parses a canonical dotted quad or an RFC 4291 IPv6 text form; refuses brackets, zone ids and lenient IPv4 spellings.
    public init?(_ literal: String) {
        let text = Array(literal.utf8)
        if text.isEmpty || text.count > 45 { return nil }
        if text.contains(UInt8(ascii: ":")) {
            guard let (hi, lo) = IPAddressText.parseV6(text) else { return nil }
            self.init(isV4: false, hi: hi, lo: lo)
        } else {
            guard let value = IPAddressText.parseStrictV4(text[...]) else { return nil }
            self.init(isV4: true, hi: 0, lo: UInt64(value))
        }
    }

    /// The IPv4 value, or nil for IPv6 (embedded forms are exposed by `embeddedIPv4`, never implicitly).
    public var v4Value: UInt32? {
        isV4 ? UInt32(truncatingIfNeeded: lo) : nil
    }

    /// Network-order bytes: 4 for IPv4, 16 for IPv6, ready for `sockaddr_in`/`sockaddr_in6`.
    public var bytes: [UInt8] {
        if isV4 {
            let value = UInt32(truncatingIfNeeded: lo)
            return [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                    UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
        }
        var result: [UInt8] = []
        result.reserveCapacity(16)
        for shift in stride(from: 56, through: 0, by: -8) { result.append(UInt8(truncatingIfNeeded: hi >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { result.append(UInt8(truncatingIfNeeded: lo >> UInt64(shift))) }
        return result
    }

    /// Canonical text: dotted quad for IPv4, RFC 5952 for IPv6, so logs and policy comparisons see one spelling.
    public var description: String {
        if isV4 { return IPAddressText.formatV4(UInt32(truncatingIfNeeded: lo)) }
        return IPAddressText.formatV6(hi: hi, lo: lo)
    }

    /// The 16-bit group at `index` (0...7) of an IPv6 address.
    internal func group(_ index: Int) -> UInt16 {
        let word = index < 4 ? hi : lo
        let shift = UInt64((3 - (index & 3)) * 16)
        return UInt16(truncatingIfNeeded: word >> shift)
    }

    /// This address with every bit after `prefixLength` cleared (prefix clamped to the family width).
    internal func masked(prefixLength: Int) -> IPAddress {
        if isV4 {
            let length = max(0, min(32, prefixLength))
            let mask: UInt64 = length == 0 ? 0 : (UInt64(0xFFFF_FFFF) << UInt64(32 - length)) & 0xFFFF_FFFF
            return IPAddress(isV4: true, hi: 0, lo: lo & mask)
        }
        let length = max(0, min(128, prefixLength))
        let hiMask: UInt64 = length >= 64 ? UInt64.max : (length == 0 ? 0 : UInt64.max << UInt64(64 - length))
        let loMask: UInt64 = length <= 64 ? 0 : (length == 128 ? UInt64.max : UInt64.max << UInt64(128 - length))
        return IPAddress(isV4: false, hi: hi & hiMask, lo: lo & loMask)
    }
}
