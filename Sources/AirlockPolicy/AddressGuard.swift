import AirlockCore

/// Decides whether Airlock may connect to one IP address for one upstream (OWASP API7, SSRF).
///
/// It is asked twice per connection: once for every address DNS returns (before pinning
/// curl to one), and again in curl's open-socket callback for the address actually being
/// connected, so a DNS-rebinding answer between the two cannot slip through.
public struct AddressGuard: Sendable {
    /// Airlock's own listening socket: never a destination, whatever `allow_addresses` says,
    /// so the proxy cannot be looped into itself.
    public let ownAddresses: [(address: IPAddress?, port: Int)]

    /// Creates a guard that also refuses the given listening addresses (`nil` address = any).
    public init(ownAddresses: [(address: IPAddress?, port: Int)] = []) {
        self.ownAddresses = ownAddresses
    }

    /// `nil` if connecting to `address:port` is allowed for `upstream`, else the refusal.
    public func check(_ address: IPAddress, port: Int, upstream: Upstream) -> Denial? {
        let plain = ClientDirectory.unmapped(address)   // ::ffff:127.0.0.1 is 127.0.0.1
        for own in ownAddresses where own.port == port {
            if own.address == nil || own.address == address || own.address == plain || (own.address.map(Self.isUnspecified) ?? false) {
                return Denial(.addressForbidden, "\(address) port \(port) is Airlock's own listening address")
            }
        }
        let allowed = { (candidate: IPAddress) in upstream.allowAddresses.contains { $0.contains(candidate) } }
        if allowed(address) {
            // An IPv6 exception is not an IPv4 one: an IPv4 address embedded in the IPv6 one
            // (mapped, NAT64, 6to4, Teredo) is let through only if it is allowed or not special,
            // so `::/0` or `2000::/3` does not open `::ffff:169.254.169.254` or `2002:a9fe:a9fe::`.
            let embedded = address.isV4 ? [] : address.embeddedIPv4Addresses
            if embedded.allSatisfy({ allowed($0) || SpecialPurposeRegistry.classifyDeep($0) == nil }) { return nil }
        }
        if let range = SpecialPurposeRegistry.classifyDeep(address) {
            return Denial(.addressForbidden, "\(address) is \(range.name) (\(range.cidr))")
        }
        return nil
    }

    static func isUnspecified(_ address: IPAddress) -> Bool {
        address == IPAddress.v4(0) || address == IPAddress.v6(hi: 0, lo: 0)
    }
}
