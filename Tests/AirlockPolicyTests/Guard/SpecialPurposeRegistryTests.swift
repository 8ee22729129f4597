import Testing
@testable import AirlockPolicy

@Suite struct SpecialPurposeRegistryTests {
    /// (address, expected name of the most specific special range).
    @Test(arguments: [
        ("0.0.0.0", "this-host"),
        ("0.1.2.3", "this-network"),
        ("10.0.0.0", "private-use"),
        ("10.255.255.255", "private-use"),
        ("100.64.0.0", "shared-address-space"),
        ("100.127.255.255", "shared-address-space"),
        ("100.100.100.200", "cloud-metadata"),
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("169.254.0.1", "link-local"),
        ("169.254.169.254", "cloud-metadata"),
        ("169.254.170.2", "cloud-metadata"),
        ("168.63.129.16", "cloud-metadata"),
        ("172.16.0.0", "private-use"),
        ("172.31.255.255", "private-use"),
        ("192.0.0.1", "ipv4-service-continuity"),
        ("192.0.0.9", "pcp-anycast"),
        ("192.0.0.170", "nat64-discovery"),
        ("192.0.0.200", "ietf-protocol-assignments"),
        ("192.0.2.1", "documentation"),
        ("192.31.196.1", "as112"),
        ("192.52.193.1", "amt"),
        ("192.88.99.1", "deprecated-6to4-relay-anycast"),
        ("192.88.99.2", "6a44-relay-anycast"),
        ("192.168.0.1", "private-use"),
        ("192.175.48.1", "as112"),
        ("198.18.0.0", "benchmarking"),
        ("198.19.255.255", "benchmarking"),
        ("198.51.100.7", "documentation"),
        ("203.0.113.9", "documentation"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.254", "reserved"),
        ("255.255.255.255", "limited-broadcast"),
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("::ffff:8.8.8.8", "ipv4-mapped"),
        ("::ffff:127.0.0.1", "ipv4-mapped"),
        ("::127.0.0.1", "ipv4-compatible"),
        ("64:ff9b::7f00:1", "nat64"),
        ("64:ff9b::808:808", "nat64"),
        ("64:ff9b:1::a00:1", "nat64-local-use"),
        ("100::1", "discard-only"),
        ("100:0:0:1::5", "dummy-prefix"),
        ("2001::1", "teredo"),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "teredo"),
        ("2001:1::1", "pcp-anycast"),
        ("2001:1::4", "ietf-protocol-assignments"),
        ("2001:2::1", "benchmarking"),
        ("2001:3::1", "amt"),
        ("2001:4:112::1", "as112"),
        ("2001:10::1", "orchid"),
        ("2001:20::1", "orchid-v2"),
        ("2001:30::1", "drone-remote-id"),
        ("2001:1ff:ffff::1", "ietf-protocol-assignments"),
        ("2001:db8::1", "documentation"),
        ("2002:7f00:1::", "6to4"),
        ("2620:4f:8000::1", "as112"),
        ("3fff::1", "documentation"),
        ("3fff:fff:ffff::1", "documentation"),
        ("5f00::1", "srv6-sids"),
        ("fc00::1", "unique-local"),
        ("fd00:ec2::254", "cloud-metadata"),
        ("fd00:ec2::253", "unique-local"),
        ("fe80::1", "link-local"),
        ("febf:ffff::1", "link-local"),
        ("fec0::1", "site-local"),
        ("ff02::1", "multicast"),
        ("ff05::1:3", "multicast"),
        ("0:0:1::1", "reserved"),
        ("64:ff9c::1", "reserved"),
        ("1::1", "reserved"),
        ("4000::1", "reserved"),
        ("e000::1", "reserved"),
        ("fe00::1", "reserved"),
    ])
    func blocksSpecialPurposeAddress(text: String, name: String) {
        guard let address = IPAddress(text) else {
            Issue.record("bad fixture \(text)")
            return
        }
        #expect(SpecialPurposeRegistry.classify(address)?.name == name)
        #expect(SpecialPurposeRegistry.isBlocked(address))
    }

    @Test(arguments: [
        "1.1.1.1", "8.8.8.8", "9.9.9.9", "11.0.0.0", "9.255.255.255", "100.63.255.255", "100.128.0.0",
        "126.255.255.255", "128.0.0.0", "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0",
        "191.255.255.255", "192.0.1.255", "192.0.3.0", "192.88.98.255", "192.167.255.255", "192.169.0.0",
        "198.17.255.255", "198.20.0.0", "198.51.99.255", "203.0.112.255", "223.255.255.255", "168.63.129.17",
        "2001:4860:4860::8888", "2606:4700:4700::1111", "2a00:1450::1", "2001:200::1", "2001:db7:ffff::1",
        "2001:db9::1", "2003::1", "3ffe::1", "3fff:1000::1", "2620:4f:8001::1",
    ])
    func allowsGloballyRoutableAddress(text: String) {
        guard let address = IPAddress(text) else {
            Issue.record("bad fixture \(text)")
            return
        }
        #expect(SpecialPurposeRegistry.classify(address) == nil)
        #expect(SpecialPurposeRegistry.classifyDeep(address) == nil)
        #expect(!SpecialPurposeRegistry.isBlocked(address))
    }

    /// (address, deep classification name): embedded special IPv4 wins, else the IPv6 range.
    @Test(arguments: [
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:8.8.8.8", "ipv4-mapped"),
        ("::ffff:169.254.169.254", "cloud-metadata"),
        ("::127.0.0.1", "loopback"),
        ("::8.8.8.8", "ipv4-compatible"),
        ("64:ff9b::7f00:1", "loopback"),
        ("64:ff9b::a9fe:a9fe", "cloud-metadata"),
        ("64:ff9b::808:808", "nat64"),
        ("64:ff9b:1::a00:1", "private-use"),
        ("2002:7f00:1::", "loopback"),
        ("2002:c0a8:101::1", "private-use"),
        ("2002:808:808::1", "6to4"),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),
        ("2001:0:a00:1:8000:63bf:f7f7:f7f7", "private-use"),
        ("2001:0:808:808:0:0:f7f7:f7f7", "teredo"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
    ])
    func deepClassificationReportsEmbeddedIPv4First(text: String, name: String) {
        guard let address = IPAddress(text) else {
            Issue.record("bad fixture \(text)")
            return
        }
        #expect(SpecialPurposeRegistry.classifyDeep(address)?.name == name)
    }

    @Test func ipv4ClassificationIgnoresDeepPath() {
        let metadata = IPAddress.v4(0xA9FE_A9FE)
        #expect(SpecialPurposeRegistry.classifyDeep(metadata) == SpecialPurposeRegistry.classify(metadata))
    }

    @Test func everyIPv6AddressOutsideGlobalUnicastIsBlocked() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<5000 {
            let address = IPAddress.v6(hi: rng.next(), lo: rng.next())
            if address.hi >> 61 != 0b001 {
                #expect(SpecialPurposeRegistry.classify(address) != nil, "\(address)")
            }
        }
    }

    @Test func tableEntriesAreCanonicalAndFamilyConsistent() {
        for range in SpecialPurposeRegistry.ipv4Ranges {
            #expect(range.cidr.address.isV4)
            #expect(CIDR(range.cidr.description) == range.cidr)
            #expect(SpecialPurposeRegistry.classify(range.cidr.address) != nil)
        }
        for range in SpecialPurposeRegistry.ipv6Ranges {
            #expect(!range.cidr.address.isV4)
            #expect(CIDR(range.cidr.description) == range.cidr)
        }
    }
}
