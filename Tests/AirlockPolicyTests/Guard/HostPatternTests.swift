import Testing
@testable import AirlockPolicy

@Suite struct HostPatternTests {
    @Test(arguments: [
        ("api.stripe.com", "api.stripe.com"),
        ("API.Stripe.COM.", "api.stripe.com"),
        ("*.x.com", "*.x.com"),
        ("*.X.com.", "*.x.com"),
        ("*.co.uk", "*.co.uk"),
        ("localhost", "localhost"),
        ("xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),
        ("a-b.c0.example", "a-b.c0.example"),
        ("10.0.0.1", "10.0.0.1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("1.2.3.example", "1.2.3.example"),
        (String(repeating: "a", count: 63) + ".com", String(repeating: "a", count: 63) + ".com"),
    ])
    func acceptsValidPattern(text: String, canonical: String) throws {
        let pattern = try HostPattern(text)
        #expect(pattern.description == canonical)
        #expect(try HostPattern(pattern.description) == pattern)
    }

    @Test(arguments: [
        ("", "empty"),
        ("*", "bare '*'"),
        ("*.", "no suffix"),
        ("*..", "no suffix"),
        ("*.*.x.com", "whole first label"),
        ("a.*.com", "whole first label"),
        ("api*.x.com", "whole first label"),
        ("*x.com", "whole first label"),
        ("**.x.com", "whole first label"),
        ("*.com", "top-level domain"),
        ("*.com.", "top-level domain"),
        ("münchen.de", "punycode"),
        ("a..b", "empty label"),
        (".a.b", "empty label"),
        ("a.b..", "empty label"),
        ("ex_ample.com", "invalid character"),
        ("exa mple.com", "invalid character"),
        ("example.com:443", "not a valid IP address"),
        ("-a.com", "'-'"),
        ("a-.com", "'-'"),
        (String(repeating: "a", count: 64) + ".com", "63"),
        (Array(repeating: String(repeating: "a", count: 60), count: 5).joined(separator: "."), "253"),
        ("127.1", "canonical"),
        ("2130706433", "canonical"),
        ("0x7f.0.0.1", "canonical"),
        ("1.2.3.4.5", "canonical"),
        ("*.10.0.0.1", "numeric suffix"),
        ("fe80::1%eth0", "not a valid IP address"),
        ("[10.0.0.1]", "bracketed IPv6"),
        ("xn--zz-!.com", "invalid character"),
        ("xn--a.com", "punycode"),
    ])
    func refusesUnsafePattern(text: String, messageFragment: String) {
        #expect {
            _ = try HostPattern(text)
        } throws: { error in
            guard let error = error as? HostPatternError else { return false }
            return error.message.contains(messageFragment)
        }
    }

    @Test(arguments: [
        ("*.x.com", "a.x.com", true),
        ("*.x.com", "a.b.x.com", true),
        ("*.x.com", "x.com", false),
        ("*.x.com", "ax.com", false),
        ("*.x.com", ".x.com", false),
        ("*.x.com", "a.x.com.evil.com", false),
        ("*.x.com", "x.com.a", false),
        ("api.stripe.com", "api.stripe.com", true),
        ("api.stripe.com", "x.api.stripe.com", false),
        ("api.stripe.com", "api.stripe.co", false),
        ("10.0.0.1", "10.0.0.1", true),
        ("10.0.0.1", "10.0.0.2", false),
        ("2001:db8::1", "[2001:db8::1]", true),
        ("2001:db8::1", "2001:db8:0::1", true),
    ])
    func matchesOnlyIntendedHosts(pattern: String, host: String, expected: Bool) throws {
        #expect(try HostPattern(pattern).matches(host) == expected)
    }

    @Test func matchesParsedHostsWithoutCrossingKinds() throws {
        let wildcard = try HostPattern("*.x.com")
        #expect(wildcard.matches(TargetURL.Host.name("a.x.com")))
        #expect(!wildcard.matches(TargetURL.Host.address(.v4(0x7F00_0001))))
        let address = try HostPattern("127.0.0.1")
        #expect(address.matches(TargetURL.Host.address(.v4(0x7F00_0001))))
        #expect(!address.matches(TargetURL.Host.name("127.0.0.1.nip.io")))
    }
}
