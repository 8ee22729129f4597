import Testing
@testable import AirlockPolicy

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("0.0.0.0", 0x0000_0000 as UInt32),
        ("127.0.0.1", 0x7F00_0001),
        ("255.255.255.255", 0xFFFF_FFFF),
        ("8.8.8.8", 0x0808_0808),
        ("10.0.0.10", 0x0A00_000A),
    ])
    func acceptsCanonicalDottedQuad(text: String, value: UInt32) {
        let address = IPAddress(text)
        #expect(address?.v4Value == value)
        #expect(address?.description == text)
    }

    @Test(arguments: [
        "", "1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04", "00.0.0.0", "256.0.0.0", "1.2.3.-4",
        "0x7f.0.0.1", "127.1", "2130706433", "1.2.3.4.", ".1.2.3.4", "1..2.3", " 1.2.3.4", "1.2.3.4 ",
        "1.2.3.4%eth0", "[::1]", "::1%eth0", "fe80::1%25eth0", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7", "12345::", ":1::", "1::2:", "::1.2.3", "1.2.3.4::", "::1.2.3.4:5", "g::",
        "1:2:3:4:5:6:7::8", "::ffff:01.2.3.4", "::ffff:1.2.3.256", "1:2:3:4:5:6:7:1.2.3.4",
    ])
    func refusesNonCanonicalOrMalformedLiteral(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test(arguments: [
        ("::", "::"),
        ("::1", "::1"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:0db8::0001", "2001:db8::1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("2001:DB8::ABCD", "2001:db8::abcd"),
        ("2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::"),
        ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ("1::", "1::"),
        ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
        ("::ffff:0102:0304", "::ffff:1.2.3.4"),
        ("::1.2.3.4", "::102:304"),
        ("64:ff9b::127.0.0.1", "64:ff9b::7f00:1"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("1:2:3:4:5:6::8", "1:2:3:4:5:6:0:8"),
        ("fe80::1", "fe80::1"),
    ])
    func formatsIPv6PerRFC5952(text: String, canonical: String) {
        let address = IPAddress(text)
        #expect(address?.description == canonical)
        #expect(address.flatMap { IPAddress($0.description) } == address)
    }

    @Test func convertsBetweenBytesAndValues() {
        let v4 = IPAddress(v4Bytes: (192, 168, 1, 2))
        #expect(v4 == .v4(0xC0A8_0102))
        #expect(v4.bytes == [192, 168, 1, 2])
        #expect(IPAddress(bytes: [192, 168, 1, 2]) == v4)
        let v6 = IPAddress("2001:db8::ff00:42:8329")
        let bytes: [UInt8] = [0x20, 0x01, 0x0D, 0xB8, 0, 0, 0, 0, 0, 0, 0xFF, 0, 0, 0x42, 0x83, 0x29]
        #expect(v6?.bytes == bytes)
        #expect(IPAddress(bytes: bytes) == v6)
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
        #expect(IPAddress(bytes: []) == nil)
        #expect(v6?.v4Value == nil)
    }

    @Test func keepsFamiliesDistinct() {
        #expect(IPAddress("0.0.0.1") != IPAddress("::1"))
        #expect(IPAddress("::ffff:127.0.0.1") != IPAddress("127.0.0.1"))
    }

    @Test(arguments: [
        ("::ffff:127.0.0.1", ["127.0.0.1"]),
        ("::127.0.0.1", ["127.0.0.1"]),
        ("::10.0.0.1", ["10.0.0.1"]),
        ("64:ff9b::7f00:1", ["127.0.0.1"]),
        ("64:ff9b:1::a00:1", ["10.0.0.1"]),
        ("64:ff9b:1:ffff::a9fe:a9fe", ["169.254.169.254"]),
        ("2002:7f00:1::", ["127.0.0.1"]),
        ("2002:a9fe:a9fe:1::5", ["169.254.169.254"]),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", ["127.0.0.1", "65.54.227.120"]),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", ["192.0.2.45", "65.54.227.120"]),
        ("::", []),
        ("::1", []),
        ("2001:4860:4860::8888", []),
        ("64:ff9b:0:1::7f00:1", []),
        ("::fffe:127.0.0.1", []),
    ])
    func extractsEmbeddedIPv4(text: String, expected: [String]) {
        let address = IPAddress(text)
        #expect(address?.embeddedIPv4Addresses.map(\.description) == expected)
        #expect(address?.embeddedIPv4?.description == expected.first)
    }

    @Test func ipv4HasNoEmbeddedAddress() {
        #expect(IPAddress.v4(0x7F00_0001).embeddedIPv4 == nil)
        #expect(IPAddress.v4(0x7F00_0001).embeddedIPv4Addresses.isEmpty)
    }

    @Test func roundTripsRandomAddresses() {
        var rng = SplitMix64(seed: 42)
        for _ in 0..<3000 {
            let v4 = IPAddress.v4(UInt32(truncatingIfNeeded: rng.next()))
            #expect(IPAddress(v4.description) == v4)
            // Bias towards zero groups so `::` compression paths are exercised.
            var hi = rng.next(), lo = rng.next()
            let mask = rng.next()
            for group in 0..<4 where mask >> UInt64(group) & 1 == 1 { hi &= ~(UInt64(0xFFFF) << UInt64(group * 16)) }
            for group in 0..<4 where mask >> UInt64(group + 4) & 1 == 1 { lo &= ~(UInt64(0xFFFF) << UInt64(group * 16)) }
            let v6 = IPAddress.v6(hi: hi, lo: lo)
            #expect(IPAddress(v6.description) == v6)
            #expect(IPAddress(bytes: v6.bytes) == v6)
        }
    }
}

/// Deterministic PRNG so fuzz and property tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
