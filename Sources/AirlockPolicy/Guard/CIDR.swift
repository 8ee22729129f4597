/// An address block (RFC 4632 / RFC 4291 prefix notation) used for policy deny/allow ranges and the special-purpose table.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    /// The network address, with every host bit cleared (so equal blocks compare and hash equal).
    public let address: IPAddress
    /// Prefix length: 0...32 for IPv4, 0...128 for IPv6.
    public let prefixLength: Int

    /// Parses `a.b.c.d/n`, `x::/n` or a bare address (= /32 or /128); host bits are accepted and masked off (`10.1.2.3/8` == `10.0.0.0/8`).
    public init?(_ text: String) {
        let pieces = text.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 1 || pieces.count == 2, let base = IPAddress(String(pieces[0])) else { return nil }
        let maximum = base.isV4 ? 32 : 128
        var length = maximum
        if pieces.count == 2 {
            let digits = Array(pieces[1].utf8)
            guard !digits.isEmpty, digits.count <= 3,
                  digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  digits.count == 1 || digits[0] != UInt8(ascii: "0") else { return nil }
            length = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard length <= maximum else { return nil }
        }
        self.init(network: base, prefixLength: length)
    }

    /// Builds a block from an address and a prefix length (clamped to the family width), masking host bits.
    public init(network: IPAddress, prefixLength: Int) {
        let maximum = network.isV4 ? 32 : 128
        let length = max(0, min(maximum, prefixLength))
        self.address = network.masked(prefixLength: length)
        self.prefixLength = length
    }

    /// True when `address` is inside this block; never across families (embedded IPv4 is the caller's job).
    public func contains(_ address: IPAddress) -> Bool {
        guard address.isV4 == self.address.isV4 else { return false }
        return address.masked(prefixLength: prefixLength) == self.address
    }

    /// `address/prefixLength` in canonical address text.
    public var description: String {
        "\(address)/\(prefixLength)"
    }
}
