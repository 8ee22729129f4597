import Testing
@testable import AirlockPolicy

@Suite struct CIDRTests {
    @Test(arguments: [
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("10.1.2.3/8", "10.0.0.0/8"),
        ("192.168.1.7", "192.168.1.7/32"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("2001:db8::/32", "2001:db8::/32"),
        ("2001:db8::1/32", "2001:db8::/32"),
        ("::1", "::1/128"),
        ("::/0", "::/0"),
        ("fe80::1234/10", "fe80::/10"),
        ("2001:db8::ffff/127", "2001:db8::fffe/127"),
        ("2001:db8:1:2:3:4:5:6/65", "2001:db8:1:2::/65"),
    ])
    func parsesAndMasksHostBits(text: String, canonical: String) {
        #expect(CIDR(text)?.description == canonical)
    }

    @Test(arguments: [
        "", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0/8/8",
        "::/129", "10.0.0/8", "10.0.0.0/ 8", "10.0.0.0/8 ", "[::1]/128", "10.0.0.0/1000000000000000000000",
    ])
    func refusesMalformedBlock(text: String) {
        #expect(CIDR(text) == nil)
    }

    @Test(arguments: [
        ("10.0.0.0/8", "10.0.0.0", true),
        ("10.0.0.0/8", "10.255.255.255", true),
        ("10.0.0.0/8", "9.255.255.255", false),
        ("10.0.0.0/8", "11.0.0.0", false),
        ("100.64.0.0/10", "100.127.255.255", true),
        ("100.64.0.0/10", "100.128.0.0", false),
        ("0.0.0.0/0", "255.255.255.255", true),
        ("1.2.3.4/32", "1.2.3.4", true),
        ("1.2.3.4/32", "1.2.3.5", false),
        ("10.0.0.0/8", "::ffff:10.0.0.1", false),
        ("::/0", "10.0.0.1", false),
        ("::/0", "2001:db8::1", true),
        ("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true),
        ("2001:db8::/32", "2001:db9::", false),
        ("2001:db8::/65", "2001:db8::7fff:ffff:ffff:ffff", true),
        ("2001:db8::/65", "2001:db8::8000:0:0:0", false),
        ("::1/128", "::1", true),
        ("::1/128", "::2", false),
        ("fc00::/7", "fdff:ffff::1", true),
        ("fc00::/7", "fe00::", false),
    ])
    func containsOnlyAddressesInsideBlock(block: String, address: String, expected: Bool) {
        guard let cidr = CIDR(block), let ip = IPAddress(address) else {
            Issue.record("bad fixture \(block) \(address)")
            return
        }
        #expect(cidr.contains(ip) == expected)
    }

    @Test func equalBlocksHashEqual() {
        #expect(CIDR("10.9.9.9/8") == CIDR("10.0.0.0/8"))
        #expect(Set([CIDR("10.9.9.9/8"), CIDR("10.0.0.0/8")]).count == 1)
    }
}
