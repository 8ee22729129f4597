/// IANA IPv4/IPv6 Special-Purpose Address Registries (RFC 6890 and successors) plus cloud metadata endpoints; every entry is blocked (fail closed).
public enum SpecialPurposeRegistry {
    /// Most specific special range containing `address`, or nil for globally routable unicast; allocation-free linear scan.
    public static func classify(_ address: IPAddress) -> SpecialRange? {
        let table = address.isV4 ? v4Table : v6Table
        var best: SpecialRange?
        for entry in table where entry.cidr.contains(address) {
            if let current = best, current.cidr.prefixLength >= entry.cidr.prefixLength { continue }
            best = entry
        }
        return best
    }

    /// Like `classify`, but first reports a special IPv4 embedded in an IPv6 address (`::ffff:127.0.0.1` -> "loopback").
    public static func classifyDeep(_ address: IPAddress) -> SpecialRange? {
        let embedded = address.embeddedIPv4Pair
        if let first = embedded.0, let range = classify(first) { return range }
        if let second = embedded.1, let range = classify(second) { return range }
        return classify(address)
    }

    /// True when `address` (or any IPv4 embedded in it) is special: the single question the egress guard asks.
    public static func isBlocked(_ address: IPAddress) -> Bool {
        classifyDeep(address) != nil
    }

    /// Every IPv4 entry, for documentation and tests.
    public static var ipv4Ranges: [SpecialRange] { v4Table }

    /// Every IPv6 entry, for documentation and tests.
    public static var ipv6Ranges: [SpecialRange] { v6Table }

    private static func v4(_ value: UInt32, _ length: Int, _ name: String) -> SpecialRange {
        SpecialRange(cidr: CIDR(network: .v4(value), prefixLength: length), name: name)
    }

    private static func v6(_ hi: UInt64, _ lo: UInt64, _ length: Int, _ name: String) -> SpecialRange {
        SpecialRange(cidr: CIDR(network: .v6(hi: hi, lo: lo), prefixLength: length), name: name)
    }

    private static let v4Table: [SpecialRange] = [
        v4(0x0000_0000, 8, "this-network"),                 // RFC 791
        v4(0x0000_0000, 32, "this-host"),                   // RFC 1122
        v4(0x0A00_0000, 8, "private-use"),                  // RFC 1918
        v4(0x6440_0000, 10, "shared-address-space"),        // RFC 6598 (CGNAT)
        v4(0x6464_64C8, 32, "cloud-metadata"),              // 100.100.100.200 Alibaba Cloud metadata
        v4(0x7F00_0000, 8, "loopback"),                     // RFC 1122
        v4(0xA9FE_0000, 16, "link-local"),                  // RFC 3927
        v4(0xA9FE_A9FE, 32, "cloud-metadata"),              // 169.254.169.254 AWS/GCP/Azure/OCI IMDS
        v4(0xA9FE_AA02, 32, "cloud-metadata"),              // 169.254.170.2 AWS ECS task metadata
        v4(0xA83F_8110, 32, "cloud-metadata"),              // 168.63.129.16 Azure wireserver
        v4(0xAC10_0000, 12, "private-use"),                 // RFC 1918
        v4(0xC000_0000, 24, "ietf-protocol-assignments"),   // RFC 6890
        v4(0xC000_0000, 29, "ipv4-service-continuity"),     // RFC 7335 (DS-Lite)
        v4(0xC000_0008, 32, "ipv4-dummy-address"),          // RFC 7600
        v4(0xC000_0009, 32, "pcp-anycast"),                 // RFC 7723
        v4(0xC000_000A, 32, "turn-anycast"),                // RFC 8155
        v4(0xC000_00AA, 32, "nat64-discovery"),             // RFC 7050 (192.0.0.170)
        v4(0xC000_00AB, 32, "nat64-discovery"),             // RFC 7050 (192.0.0.171)
        v4(0xC000_0200, 24, "documentation"),               // RFC 5737 TEST-NET-1
        v4(0xC01F_C400, 24, "as112"),                       // RFC 7535 (192.31.196.0/24)
        v4(0xC034_C100, 24, "amt"),                         // RFC 7450 (192.52.193.0/24)
        v4(0xC058_6300, 24, "deprecated-6to4-relay-anycast"), // RFC 7526 (192.88.99.0/24)
        v4(0xC058_6302, 32, "6a44-relay-anycast"),          // RFC 6751 (192.88.99.2)
        v4(0xC0A8_0000, 16, "private-use"),                 // RFC 1918
        v4(0xC0AF_3000, 24, "as112"),                       // RFC 7534 (192.175.48.0/24)
        v4(0xC612_0000, 15, "benchmarking"),                // RFC 2544 (198.18.0.0/15)
        v4(0xC633_6400, 24, "documentation"),               // RFC 5737 TEST-NET-2
        v4(0xCB00_7100, 24, "documentation"),               // RFC 5737 TEST-NET-3
        v4(0xE000_0000, 4, "multicast"),                    // RFC 5771
        v4(0xF000_0000, 4, "reserved"),                     // RFC 1112
        v4(0xFFFF_FFFF, 32, "limited-broadcast"),           // RFC 919
    ]

    private static let v6Table: [SpecialRange] = [
        v6(0, 0, 128, "unspecified"),                                   // RFC 4291
        v6(0, 1, 128, "loopback"),                                      // RFC 4291
        v6(0, 0, 96, "ipv4-compatible"),                                // RFC 4291 (deprecated)
        v6(0, 0x0000_FFFF_0000_0000, 96, "ipv4-mapped"),                // RFC 4291
        v6(0x0064_FF9B_0000_0000, 0, 96, "nat64"),                      // RFC 6052
        v6(0x0064_FF9B_0001_0000, 0, 48, "nat64-local-use"),            // RFC 8215
        v6(0x0100_0000_0000_0000, 0, 64, "discard-only"),               // RFC 6666
        v6(0x0100_0000_0000_0001, 0, 64, "dummy-prefix"),               // RFC 9780
        v6(0x2001_0000_0000_0000, 0, 23, "ietf-protocol-assignments"),  // RFC 2928
        v6(0x2001_0000_0000_0000, 0, 32, "teredo"),                     // RFC 4380
        v6(0x2001_0001_0000_0000, 1, 128, "pcp-anycast"),               // RFC 7723
        v6(0x2001_0001_0000_0000, 2, 128, "turn-anycast"),              // RFC 8155
        v6(0x2001_0001_0000_0000, 3, 128, "dns-sd-srp-anycast"),        // RFC 9665
        v6(0x2001_0002_0000_0000, 0, 48, "benchmarking"),               // RFC 5180
        v6(0x2001_0003_0000_0000, 0, 32, "amt"),                        // RFC 7450
        v6(0x2001_0004_0112_0000, 0, 48, "as112"),                      // RFC 7535
        v6(0x2001_0010_0000_0000, 0, 28, "orchid"),                     // RFC 4843 (deprecated)
        v6(0x2001_0020_0000_0000, 0, 28, "orchid-v2"),                  // RFC 7343
        v6(0x2001_0030_0000_0000, 0, 28, "drone-remote-id"),            // RFC 9374
        v6(0x2001_0DB8_0000_0000, 0, 32, "documentation"),              // RFC 3849
        v6(0x2002_0000_0000_0000, 0, 16, "6to4"),                       // RFC 3056
        v6(0x2620_004F_8000_0000, 0, 48, "as112"),                      // RFC 7534
        v6(0x3FFF_0000_0000_0000, 0, 20, "documentation"),              // RFC 9637
        v6(0x5F00_0000_0000_0000, 0, 16, "srv6-sids"),                  // RFC 9602
        v6(0xFC00_0000_0000_0000, 0, 7, "unique-local"),                // RFC 4193
        v6(0xFD00_0EC2_0000_0000, 0x254, 128, "cloud-metadata"),        // fd00:ec2::254 AWS IMDS over IPv6
        v6(0xFE80_0000_0000_0000, 0, 10, "link-local"),                 // RFC 4291
        v6(0xFEC0_0000_0000_0000, 0, 10, "site-local"),                 // RFC 3879 (deprecated)
        v6(0xFF00_0000_0000_0000, 0, 8, "multicast"),                   // RFC 4291
        // Everything outside 2000::/3 that is not named above is "Reserved by IETF" (IPv6 Address Space registry): fail closed.
        v6(0x0000_0000_0000_0000, 0, 8, "reserved"),
        v6(0x0100_0000_0000_0000, 0, 8, "reserved"),
        v6(0x0200_0000_0000_0000, 0, 7, "reserved"),
        v6(0x0400_0000_0000_0000, 0, 6, "reserved"),
        v6(0x0800_0000_0000_0000, 0, 5, "reserved"),
        v6(0x1000_0000_0000_0000, 0, 4, "reserved"),
        v6(0x4000_0000_0000_0000, 0, 3, "reserved"),
        v6(0x6000_0000_0000_0000, 0, 3, "reserved"),
        v6(0x8000_0000_0000_0000, 0, 3, "reserved"),
        v6(0xA000_0000_0000_0000, 0, 3, "reserved"),
        v6(0xC000_0000_0000_0000, 0, 3, "reserved"),
        v6(0xE000_0000_0000_0000, 0, 4, "reserved"),
        v6(0xF000_0000_0000_0000, 0, 5, "reserved"),
        v6(0xF800_0000_0000_0000, 0, 6, "reserved"),
        v6(0xFE00_0000_0000_0000, 0, 9, "reserved"),
    ]
}
