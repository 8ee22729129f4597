/// Embedded-IPv4 extraction: attackers reach IPv4 internals through IPv6 spellings (mapped, NAT64, 6to4, Teredo), so these are unwrapped.
extension IPAddress {
    /// The first IPv4 address embedded in this IPv6 address (Teredo: the client), or nil; see `embeddedIPv4Addresses`.
    public var embeddedIPv4: IPAddress? {
        embeddedIPv4Pair.0
    }

    /// Every IPv4 address embedded in this IPv6 address: mapped, compatible, NAT64 (RFC 6052/8215), 6to4 (RFC 3056), Teredo client then server (RFC 4380).
    public var embeddedIPv4Addresses: [IPAddress] {
        let pair = embeddedIPv4Pair
        var result: [IPAddress] = []
        if let first = pair.0 { result.append(first) }
        if let second = pair.1 { result.append(second) }
        return result
    }

    /// Allocation-free form of `embeddedIPv4Addresses` (at most two embedded addresses exist: Teredo client and server).
    internal var embeddedIPv4Pair: (IPAddress?, IPAddress?) {
        if isV4 { return (nil, nil) }
        let low32 = UInt32(truncatingIfNeeded: lo)
        if hi == 0 {
            switch lo >> 32 {
            case 0xFFFF:
                // ::ffff:0:0/96 IPv4-mapped (RFC 4291 section 2.5.5.2).
                return (.v4(low32), nil)
            case 0 where lo > 1:
                // ::/96 IPv4-compatible, deprecated (RFC 4291 section 2.5.5.1); :: and ::1 are not embeddings.
                return (.v4(low32), nil)
            default:
                return (nil, nil)
            }
        }
        if hi == 0x0064_FF9B_0000_0000 && lo >> 32 == 0 {
            // 64:ff9b::/96 NAT64 well-known prefix (RFC 6052).
            return (.v4(low32), nil)
        }
        if hi >> 16 == 0x0064_FF9B_0001 {
            // 64:ff9b:1::/48 local-use NAT64 (RFC 8215); the last 32 bits as deployed with /96 sub-prefixes.
            return (.v4(low32), nil)
        }
        if hi >> 48 == 0x2002 {
            // 2002::/16 6to4 (RFC 3056): IPv4 in bits 16..47.
            return (.v4(UInt32(truncatingIfNeeded: hi >> 16)), nil)
        }
        if hi >> 32 == 0x2001_0000 {
            // 2001::/32 Teredo (RFC 4380): client = NOT(last 32 bits), server = bits 32..63.
            return (.v4(~low32), .v4(UInt32(truncatingIfNeeded: hi)))
        }
        return (nil, nil)
    }
}
