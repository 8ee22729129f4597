/// A named non-global address block; the name tells operators WHY a destination was refused (e.g. "cloud-metadata").
public struct SpecialRange: Sendable, Hashable, CustomStringConvertible {
    /// The registered block.
    public let cidr: CIDR
    /// Short kebab-case purpose, e.g. "loopback", "private-use", "cloud-metadata".
    public let name: String

    /// Pairs a block with its purpose name.
    public init(cidr: CIDR, name: String) {
        self.cidr = cidr
        self.name = name
    }

    /// `name (cidr)` for logs.
    public var description: String {
        "\(name) (\(cidr))"
    }
}
