import AirlockCore
import Foundation
import Testing
@testable import AirlockPolicy

/// The address check that runs at resolution and again at connect time.
struct AddressGuardTests {
    static let policy: Policy = {
        let yaml = """
            upstreams:
              open:
                url: https://api.example.com
              lab:
                url: https://lab.example.com
                allow_addresses: [10.20.0.0/16, "fd00:1::/32"]
              v6wide:
                url: https://v6.example.com
                allow_addresses: ["2000::/3", "64:ff9b::/96", "::ffff:0:0/96"]
              nat64lab:
                url: https://nat64.example.com
                allow_addresses: ["64:ff9b::/96", 10.20.0.0/16]
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("guard-\(UUID().uuidString).yaml")
        try! yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try! PolicyLoader.load(path: file.path)
    }()

    @Test(arguments: [
        ("open", "93.184.216.34", 443, true), ("open", "10.20.1.1", 443, false), ("lab", "10.20.1.1", 443, true),
        ("lab", "10.21.1.1", 443, false), ("lab", "fd00:1::5", 443, true), ("open", "fd00:1::5", 443, false),
        ("open", "169.254.169.254", 80, false), ("lab", "169.254.169.254", 80, false), ("open", "::ffff:127.0.0.1", 443, false),
        ("open", "64:ff9b::a9fe:a9fe", 443, false), ("open", "2606:4700:4700::1111", 443, true),
        ("lab", "127.0.0.1", 4750, false),
        // An IPv6 exception is not an IPv4 one: the IPv4 embedded in a mapped, NAT64 or 6to4 address
        // must be allowed itself, or not special.
        ("v6wide", "2606:4700:4700::1111", 443, true), ("v6wide", "::ffff:169.254.169.254", 443, false),
        ("v6wide", "64:ff9b::a9fe:a9fe", 443, false), ("v6wide", "2002:a9fe:a9fe::1", 443, false),
        ("v6wide", "::ffff:93.184.216.34", 443, true), ("v6wide", "64:ff9b::5db8:d822", 443, true),
        ("nat64lab", "64:ff9b::a14:101", 443, true), ("nat64lab", "64:ff9b::a15:101", 443, false),
    ])
    func checksAddressesPerUpstream(upstream: String, address: String, port: Int, allowed: Bool) throws {
        let addressGuard = AddressGuard(ownAddresses: [(address: IPAddress("127.0.0.1"), port: 4750)])
        let u = try #require(Self.policy.upstream(named: upstream))
        let verdict = addressGuard.check(try #require(IPAddress(address)), port: port, upstream: u)
        #expect((verdict == nil) == allowed, "\(upstream) \(address): \(String(describing: verdict))")
        if let verdict { #expect(verdict.reason == .addressForbidden) }
    }

    @Test func ownListeningPortIsRefusedEvenWhenAllowed() throws {
        let addressGuard = AddressGuard(ownAddresses: [(address: IPAddress("10.20.0.1"), port: 4750)])
        let lab = try #require(Self.policy.upstream(named: "lab"))
        #expect(addressGuard.check(IPAddress("10.20.0.1")!, port: 4750, upstream: lab)?.reason == .addressForbidden)
        #expect(addressGuard.check(IPAddress("10.20.0.1")!, port: 443, upstream: lab) == nil)
        // Also as the IPv4-mapped address that names the same socket.
        #expect(addressGuard.check(IPAddress("::ffff:10.20.0.1")!, port: 4750, upstream: lab)?.reason == .addressForbidden)
    }
}
