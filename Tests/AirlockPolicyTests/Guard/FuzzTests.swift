import Testing
@testable import AirlockPolicy

/// Random-input robustness: nothing may trap, and every accepted value must round-trip through its canonical text.
@Suite struct FuzzTests {
    static let fragments: [String] = [
        "http", "https", "HTTP", "ftp", "://", ":", "/", "//", "[", "]", ".", "..", "@", "#", "?", "%", "%25", "%2e",
        "0x", "0X", "0", "00", "1", "7", "8", "127", "255", "256", "ffff", "::", "::ffff:", "a", "x.com", "xn--",
        "xn--mnchen-3ya", "-", "_", "*", "*.", "\\", " ", "\t", "\n", "ü", "Ü", "\u{3002}", "\u{FF0E}", "ｅ", "\u{301}",
        "ß", "\u{200D}", "1.2.3.4", "4294967296", "99999999999999999999", "例", "😀", "\u{0}", "\u{7F}", "+", "=",
        "64:ff9b::", "2001:0:", "fe80::1%eth0", "169.254.169.254", "0177", "2130706433", ":80", ":65536", "/a?b#c",
    ]

    static let seeds: [String] = [
        "http://Example.COM./a?b=c#f", "http://[::1]:8080/", "http://münchen.de/", "https://0x7f.1/",
        "https://api.stripe.com:443/v1/charges?x=1", "http://[64:ff9b::7f00:1]/", "http://xn--r8jz45g.xn--zckzah/",
    ]

    /// Runs every parser on `input` and checks the round-trip invariants of whatever is accepted.
    static func exercise(_ input: String) {
        if let address = IPAddress(input) {
            #expect(IPAddress(address.description) == address, "\(input)")
            _ = SpecialPurposeRegistry.classifyDeep(address)
        }
        _ = IPv4Literal.parse(input)
        if let cidr = CIDR(input) {
            #expect(CIDR(cidr.description) == cidr, "\(input)")
        }
        if let pattern = try? HostPattern(input) {
            #expect((try? HostPattern(pattern.description)) == pattern, "\(input)")
            _ = pattern.matches(input)
        }
        if let url = try? URLParser.parse(input) {
            #expect(url.path.hasPrefix("/"), "\(input)")
            #expect(url.port >= 0 && url.port <= 65535, "\(input)")
            #expect((try? URLParser.parse(url.description)) == url, "\(input)")
            #expect(url.description.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }, "\(input)")
            if case .name(let name) = url.host {
                #expect(IPv4Literal.parse(name) == .notIPv4, "\(input)")
                #expect((try? URLParser.normalizeHost(name)) == url.host, "\(input)")
            }
        }
        _ = try? URLParser.normalizeHost(input)
        _ = try? URLParser.parseAuthority(input)
        _ = try? URLParser.parseHostHeader(input)
        if let decoded = Punycode.decode(input) {
            _ = Punycode.encode(decoded)
        }
    }

    @Test func survivesRandomBytes() {
        var rng = SplitMix64(seed: 0xA1)
        for _ in 0..<4000 {
            let length = Int(rng.next() % 40)
            var bytes: [UInt8] = []
            for _ in 0..<length { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
            Self.exercise(String(decoding: bytes, as: UTF8.self))
        }
    }

    @Test func survivesRandomTokenSequences() {
        var rng = SplitMix64(seed: 0xB2)
        for _ in 0..<6000 {
            let count = Int(rng.next() % 10) + 1
            var text = ""
            for _ in 0..<count { text += Self.fragments[Int(rng.next() % UInt64(Self.fragments.count))] }
            Self.exercise(text)
        }
    }

    @Test func survivesMutatedValidURLs() {
        var rng = SplitMix64(seed: 0xC3)
        for _ in 0..<4000 {
            var scalars = Array(Self.seeds[Int(rng.next() % UInt64(Self.seeds.count))].unicodeScalars)
            for _ in 0..<Int(rng.next() % 4) + 1 where !scalars.isEmpty {
                let position = Int(rng.next() % UInt64(scalars.count))
                let fragment = Array(Self.fragments[Int(rng.next() % UInt64(Self.fragments.count))].unicodeScalars)
                switch rng.next() % 3 {
                case 0: scalars.remove(at: position)
                case 1: scalars.insert(contentsOf: fragment, at: position)
                default: scalars.replaceSubrange(position...position, with: fragment)
                }
            }
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars)
            Self.exercise(String(text))
        }
    }

    @Test func survivesHugeInputs() {
        let huge = [
            String(repeating: "9", count: 1000), String(repeating: "a.", count: 2000), "http://" + String(repeating: "a", count: 5000) + "/",
            "http://" + String(repeating: "ü", count: 3000) + "/", String(repeating: ":", count: 1000), "xn--" + String(repeating: "9", count: 1000),
            "http://x.com:" + String(repeating: "9", count: 1000) + "/", String(repeating: "0x", count: 500),
        ]
        for input in huge { Self.exercise(input) }
    }
}
