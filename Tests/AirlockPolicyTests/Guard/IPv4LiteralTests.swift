import Testing
@testable import AirlockPolicy

@Suite struct IPv4LiteralTests {
    @Test(arguments: [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0X7F000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("0x7f.0.0.01", "127.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("0x", "0.0.0.0"),
        ("0x.0x.0x.0x1", "0.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0xA9.0376.43518", "169.254.169.254"),
        ("169.254.43518", "169.254.169.254"),
        ("4294967295", "255.255.255.255"),
        ("0xffffffff", "255.255.255.255"),
        ("1.2.65535", "1.2.255.255"),
        ("1.16777215", "1.255.255.255"),
        ("0000000000000000000000000000000177.1", "127.0.0.1"),
        ("0x7f.1.0x", "127.1.0.0"),
    ])
    func parsesLenientIPv4Spelling(host: String, expected: String) {
        #expect(IPv4Literal.parse(host) == .address(IPAddress(expected) ?? .v4(0xDEAD_BEEF)))
    }

    @Test(arguments: [
        "256.0.0.1", "4294967296", "0x100000000", "1.2.3.4.5", "1.2.3.256", "1.2.65536", "1.16777216",
        "08", "0.0.0.09", "1..2.3", ".1.2.3", "1.2.3.4..", "0xg.1", "1.2.x.4", "1.2.3.4.5.",
        "example.0x", "a.1", "0x7f.0.0.1.2", "1.0x1g.1",
        String(repeating: "9", count: 1000),
        String(repeating: "1.", count: 500) + "1",
        "0x" + String(repeating: "f", count: 1000),
        "0" + String(repeating: "7", count: 1000),
    ])
    func refusesMalformedNumericHost(host: String) {
        #expect(IPv4Literal.parse(host) == .invalid)
    }

    @Test(arguments: [
        "example.com", "1.2.3.example", "localhost", "", ".", "..", "0x7g", "1.2.3.4a", "123abc", "a.b.c",
        "xn--mnchen-3ya.de", "1e3", "1.2.3.0xg", "-1", "+1", "1.2.3.-4",
    ])
    func treatsNonNumericHostAsName(host: String) {
        #expect(IPv4Literal.parse(host) == .notIPv4)
    }
}
