import Testing
@testable import AirlockPolicy

/// One expected parse result: the fields of `TargetURL` flattened for table tests.
struct ExpectedURL: Sendable, CustomStringConvertible {
    let input: String
    let scheme: String
    let host: String
    let port: Int
    let explicitPort: Bool
    let path: String
    let query: String?
    var description: String { input }
}

@Suite struct URLParserTests {
    static let accepted: [ExpectedURL] = [
        ExpectedURL(input: "http://Example.COM./a?b=c#f", scheme: "http", host: "example.com", port: 80, explicitPort: false, path: "/a", query: "b=c"),
        ExpectedURL(input: "http://[::1]:8080/", scheme: "http", host: "[::1]", port: 8080, explicitPort: true, path: "/", query: nil),
        ExpectedURL(input: "http://münchen.de/", scheme: "http", host: "xn--mnchen-3ya.de", port: 80, explicitPort: false, path: "/", query: nil),
        ExpectedURL(input: "http://MÜNCHEN.de/", scheme: "http", host: "xn--mnchen-3ya.de", port: 80, explicitPort: false, path: "/", query: nil),
        ExpectedURL(input: "https://0x7f.1/", scheme: "https", host: "127.0.0.1", port: 443, explicitPort: false, path: "/", query: nil),
        ExpectedURL(input: "http://2130706433/", scheme: "http", host: "127.0.0.1", port: 80, explicitPort: false, path: "/", query: nil),
        ExpectedURL(input: "http://0177.0.0.1/", scheme: "http", host: "127.0.0.1", port: 80, explicitPort: false, path: "/", query: nil),
        ExpectedURL(input: "http://127.0.0.1./", scheme: "http", host: "127.0.0.1", port: 80, explicitPort: false, path: "/", query: nil),
        ExpectedURL(input: "http://a.b.c/", scheme: "http", host: "a.b.c", port: 80, explicitPort: false, path: "/", query: nil),
        ExpectedURL(input: "HTTPS://api.stripe.com", scheme: "https", host: "api.stripe.com", port: 443, explicitPort: false, path: "/", query: nil),
        ExpectedURL(input: "https://x.com?q", scheme: "https", host: "x.com", port: 443, explicitPort: false, path: "/", query: "q"),
        ExpectedURL(input: "https://x.com/?", scheme: "https", host: "x.com", port: 443, explicitPort: false, path: "/", query: ""),
        ExpectedURL(input: "https://x.com#frag", scheme: "https", host: "x.com", port: 443, explicitPort: false, path: "/", query: nil),
        ExpectedURL(input: "http://x.com:443/p/q%20r?a=1&b=%2F#", scheme: "http", host: "x.com", port: 443, explicitPort: true, path: "/p/q%20r", query: "a=1&b=%2F"),
        ExpectedURL(input: "ftp://files.example:21/x", scheme: "ftp", host: "files.example", port: 21, explicitPort: true, path: "/x", query: nil),
        ExpectedURL(input: "git+ssh://host.example/repo", scheme: "git+ssh", host: "host.example", port: 0, explicitPort: false, path: "/repo", query: nil),
        ExpectedURL(input: "http://my_host.example/", scheme: "http", host: "my_host.example", port: 80, explicitPort: false, path: "/", query: nil),
        ExpectedURL(input: "http://[2001:DB8::1]/", scheme: "http", host: "[2001:db8::1]", port: 80, explicitPort: false, path: "/", query: nil),
        ExpectedURL(input: "http://[::ffff:127.0.0.1]/", scheme: "http", host: "[::ffff:127.0.0.1]", port: 80, explicitPort: false, path: "/", query: nil),
        ExpectedURL(input: "http://xn--mnchen-3ya.de/", scheme: "http", host: "xn--mnchen-3ya.de", port: 80, explicitPort: false, path: "/", query: nil),
        ExpectedURL(input: "http://例え.テスト/", scheme: "http", host: "xn--r8jz45g.xn--zckzah", port: 80, explicitPort: false, path: "/", query: nil),
        ExpectedURL(input: "http://x.com:65535/a@b", scheme: "http", host: "x.com", port: 65535, explicitPort: true, path: "/a@b", query: nil),
        ExpectedURL(input: "http://1.2.3.example/", scheme: "http", host: "1.2.3.example", port: 80, explicitPort: false, path: "/", query: nil),
    ]

    @Test(arguments: accepted)
    func acceptsUnambiguousURL(expected: ExpectedURL) throws {
        let url = try URLParser.parse(expected.input)
        #expect(url.scheme == expected.scheme)
        #expect(url.hostString == expected.host)
        #expect(url.port == expected.port)
        #expect(url.explicitPort == expected.explicitPort)
        #expect(url.path == expected.path)
        #expect(url.query == expected.query)
        #expect(try URLParser.parse(url.description) == url)
    }

    @Test func normalizesIPv4HostToAddress() throws {
        #expect(try URLParser.parse("https://0x7f.1/").host == .address(.v4(0x7F00_0001)))
        #expect(try URLParser.parse("http://Example.COM./").host == .name("example.com"))
    }

    @Test(arguments: [
        ("", "empty"),
        (" http://x.com/", "whitespace"),
        ("http://x.com/ ", "whitespace"),
        ("http://x.com/\u{3000}", "whitespace"),
        ("http://x.com/a b", "space"),
        ("http://x.com/\u{0}", "NUL"),
        ("http://x.com/a\tb", "control"),
        ("http://x.\ncom/", "control"),
        ("http://x.com/\r\nHost: evil", "control"),
        ("http://x.com/\u{7F}", "control"),
        ("http://x.com/é", "non-ASCII"),
        ("http://x.com/?q=ü", "non-ASCII"),
        ("http://x.com/#ü", "non-ASCII"),
        ("http://x.com\\@evil.com/", "backslash"),
        ("http:\\\\x.com/", "backslash"),
        ("http:x.com", "'//'"),
        ("http:/x.com/", "'//'"),
        ("x.com/path", "missing scheme"),
        ("://x.com/", "missing scheme"),
        ("1http://x.com/", "invalid scheme"),
        ("ht_tp://x.com/", "invalid scheme"),
        ("http://user@x.com/", "userinfo"),
        ("http://user:pass@x.com/", "userinfo"),
        ("http://evil.com@x.com/", "userinfo"),
        ("http://x.com#@evil.com/", "ambiguous"),
        ("http://x.com?@evil.com/", "ambiguous"),
        ("http:///x.com/", "empty host"),
        ("http://", "empty host"),
        ("http://:80/", "empty host"),
        ("http://x%2Ecom/", "percent-encoded"),
        ("http://%31%32%37.0.0.1/", "percent-encoded"),
        ("http://[::1/", "unterminated"),
        ("http://[127.0.0.1]/", "not a valid IPv6"),
        ("http://[fe80::1%25eth0]/", "zone"),
        ("http://[::1]x/", "after ']'"),
        ("http://[::1]:/", "empty port"),
        ("http://256.0.0.1/", "malformed IPv4"),
        ("http://4294967296/", "malformed IPv4"),
        ("http://1.2.3.4.5/", "malformed IPv4"),
        ("http://0x7g.1/", "malformed IPv4"),
        ("http://x.com:/", "empty port"),
        ("http://x.com:abc/", "non-numeric"),
        ("http://x.com:65536/", "out of range"),
        ("http://x.com:99999999999999999999/", "out of range"),
        ("http://x.com:0/", "port 0"),
        ("http://x.com:+80/", "signed"),
        ("http://x.com:-80/", "signed"),
        ("http://x.com:080/", "leading zeros"),
        ("http://x.com:８０/", "non-numeric"),
        ("http://127.0.0.1:11211:80/", "more than one ':'"),
        ("http://::1/", "more than one ':'"),
        ("http://x\u{3002}com/", "ideographic"),
        ("http://x\u{FF0E}com/", "ideographic"),
        ("http://x\u{FF61}com/", "ideographic"),
        ("http://ｅｘａｍｐｌｅ.com/", "remapped"),
        ("http://strasse\u{DF}.de/", "deviation"),
        ("http://a\u{200D}b.com/", "deviation"),
        ("http://cafe\u{301}.com/", "normalization form C"),
        ("http://\u{301}a.com/", "combining mark"),
        ("http://a\u{200B}b.com/", "U+200B"),
        ("http://evil\u{2024}com/", "U+2024"),
        ("http://😀.com/", "invalid character"),
        ("http://x.com!/", "invalid character"),
        ("http://x,com/", "invalid character"),
        ("http://x;.com/", "invalid character"),
        ("http://a..b/", "empty label"),
        ("http://.a.b/", "empty label"),
        ("http://a.b../", "more than one dot"),
        ("http://./", "empty host"),
        ("http://" + String(repeating: "a", count: 64) + ".com/", "63"),
        ("http://" + Array(repeating: String(repeating: "a", count: 60), count: 5).joined(separator: ".") + "/", "253"),
        ("http://xn--a.com/", "punycode"),
        ("http://xn--zz-!.com/", "invalid character"),
        ("http://xn--MNCHEN-3YA-.de/", "punycode"),
    ])
    func refusesAmbiguousURL(input: String, messageFragment: String) {
        #expect {
            _ = try URLParser.parse(input)
        } throws: { error in
            guard let rejection = error as? URLRejection else { return false }
            return rejection.message.contains(messageFragment)
        }
    }

    @Test(arguments: [
        ("api.stripe.com:443", "api.stripe.com", 443),
        ("[::1]:8443", "[::1]", 8443),
        ("127.1:22", "127.0.0.1", 22),
        ("MÜNCHEN.de:443", "xn--mnchen-3ya.de", 443),
    ])
    func parsesConnectAuthority(text: String, host: String, port: Int) throws {
        let parsed = try URLParser.parseAuthority(text)
        #expect(parsed.host.description == host)
        #expect(parsed.port == port)
    }

    @Test(arguments: [
        "api.stripe.com", "[::1]", "x.com:", "x.com:0", "user@x.com:443", "x.com:443/", ":443", "::1:443",
        "x.com:443 ", "x..com:443", "[::1]443", "",
    ])
    func refusesMalformedConnectAuthority(text: String) {
        #expect(throws: URLRejection.self) { _ = try URLParser.parseAuthority(text) }
    }

    @Test func normalizesHostHeaderAndBareHost() throws {
        #expect(try URLParser.normalizeHost("Example.COM.") == .name("example.com"))
        #expect(try URLParser.normalizeHost("[::1]") == .address(IPAddress("::1") ?? .v4(0)))
        #expect(try URLParser.normalizeHost("0x7f000001") == .address(.v4(0x7F00_0001)))
        #expect(throws: URLRejection.self) { _ = try URLParser.normalizeHost("x.com:80") }
        #expect(throws: URLRejection.self) { _ = try URLParser.normalizeHost("") }
        let header = try URLParser.parseHostHeader("x.com:8080")
        #expect(header.host == .name("x.com") && header.port == 8080)
        #expect(try URLParser.parseHostHeader("x.com").port == nil)
    }
}
