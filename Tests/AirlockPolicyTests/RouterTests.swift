import AirlockCore
import Foundation
import Testing
@testable import AirlockPolicy

/// The pure decision engine, as a table: request in, reason code out.
struct RouterTests {
    static let policy: Policy = load("""
            upstreams:
              stripe:
                url: https://api.stripe.com
                hosts: ["*.stripe.network"]
                methods: [GET, POST]
                paths: ["/v1/**"]
              partner:
                url: http://partner.example.com:8080/api
                paths: ["/orders/*"]
                tunnel: allow
                ports: [8080, 8443]
              shadow:
                url: https://shadow.example.com
                paths: ["/ok/**"]
                mode: report
            """)

    /// Loads `yaml` as a policy file.
    static func load(_ yaml: String) -> Policy {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("router-\(UUID().uuidString).yaml")
        try! yaml.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try! PolicyLoader.load(path: file.path)
    }

    static func reason<T>(_ decision: Decision<T>) -> String {
        switch decision {
        case .allow: "allow"
        case .deny(let denial, _): denial.reason.rawValue
        }
    }

    @Test(arguments: [
        ("GET", "/stripe/v1/charges", "allow"),
        ("POST", "/stripe/v1/charges?limit=3", "allow"),
        ("DELETE", "/stripe/v1/charges", "method_not_allowed"),
        ("GET", "/stripe/v2/charges", "path_not_allowed"),
        ("GET", "/stripe", "path_not_allowed"),
        ("GET", "/nope/v1", "unknown_upstream"),
        ("GET", "/", "unknown_upstream"),
        ("GET", "/stripe/v1/../admin", "malformed_url"),
        ("GET", "/stripe/v1/%2E%2e/admin", "malformed_url"),
        ("GET", "/stripe/v1%2Fadmin", "malformed_url"),
        ("GET", "/stripe/v1/a%5cb", "malformed_url"),
        ("GET", "/stripe/v1/a%00", "malformed_url"),
        ("GET", "/stripe/v1/a\\b", "malformed_url"),
        ("GET", "/stripe/v1/charges#frag", "malformed_url"),
        ("GET", "/stripe/v1/x%/../charges", "malformed_url"),     // a '%' that hid a '..' from the scan
        ("GET", "/stripe/v1/x%2/..", "malformed_url"),
        ("GET", "/stripe/v1/charges%zz", "malformed_url"),
        ("GET", "/stripe/v1/charges%4", "malformed_url"),
        ("GET", "/stripe/v1/charges/..;/admin", "malformed_url"),  // Tomcat/Spring read '..;' as '..'
        ("GET", "/stripe/v1/.;x/charges", "malformed_url"),
        ("GET", "/stripe/v1/%2e%2e;/admin", "malformed_url"),
        ("GET", "/stripe/v1/charges;v=2", "allow"),
        ("GET", "/stripe/v1/charges%2Dx%41", "allow"),
        ("GET", "/stripe/v1/charges?limit=3#frag", "malformed_url"),
        ("GET", "/partner/orders#/42", "malformed_url"),
        ("GET", "/partner/orders/42", "allow"),
        ("GET", "/partner/orders/42/lines", "path_not_allowed"),
        ("GET", "/shadow/elsewhere", "allow"),   // report mode: allowed, with wouldDeny
    ])
    func gateway(method: String, target: String, expected: String) {
        #expect(Self.reason(Router.gateway(policy: Self.policy, method: method, target: target)) == expected, "\(method) \(target)")
    }

    @Test func gatewayBuildsTheUpstreamURLBelowItsBasePath() throws {
        guard case .allow(let route) = Router.gateway(policy: Self.policy, method: "GET", target: "/partner/orders/7?x=1") else {
            Issue.record("denied")
            return
        }
        #expect(route.url.description == "http://partner.example.com:8080/api/orders/7?x=1")
        guard case .allow(let shadow) = Router.gateway(policy: Self.policy, method: "GET", target: "/shadow/elsewhere") else { return }
        #expect(shadow.wouldDeny?.reason == .pathNotAllowed)
    }

    @Test(arguments: [
        ("GET", "https://api.stripe.com/v1/charges", "allow"),
        ("GET", "https://API.Stripe.COM./v1/charges", "allow"),
        ("GET", "https://eu.stripe.network/v1/x", "allow"),
        ("GET", "https://stripe.network/v1/x", "host_not_allowed"),
        ("GET", "https://api.stripe.com.evil.com/v1/x", "host_not_allowed"),
        ("GET", "http://api.stripe.com/v1/charges", "scheme_not_allowed"),
        ("GET", "ftp://api.stripe.com/v1/charges", "scheme_not_allowed"),
        ("GET", "https://api.stripe.com:8443/v1/charges", "port_not_allowed"),
        ("GET", "https://user@api.stripe.com/v1/charges", "malformed_url"),
        ("GET", "https://api.stripe.com\\@evil.com/v1", "malformed_url"),
        ("GET", "https://api%2estripe.com/v1", "malformed_url"),
        ("GET", "https://api.stripe。com/v1", "malformed_url"),
        ("GET", "http://partner.example.com:8080/api/orders/1", "allow"),
        ("GET", "http://partner.example.com:8080/orders/1", "path_not_allowed"),
        ("GET", "http://partner.example.com:8080/apiorders/1", "path_not_allowed"),
        ("GET", "http://partner.example.com:9090/api/orders/1", "port_not_allowed"),
        ("GET", "http://169.254.169.254/latest/meta-data/", "host_not_allowed"),
        ("GET", "http://2852039166/latest/meta-data/", "host_not_allowed"),
        ("GET", "http://0xa9.0xfe.0xa9.0xfe/", "host_not_allowed"),
        ("GET", "http://256.1.1.1/", "malformed_url"),
        ("GET", "https://api.stripe.com/v1/charges#frag", "malformed_url"),
        ("GET", "http://partner.example.com:8080/api/orders/1?x#y", "malformed_url"),
    ])
    func forward(method: String, url: String, expected: String) {
        #expect(Self.reason(Router.forward(policy: Self.policy, method: method, absoluteURL: url)) == expected, "\(url)")
    }

    @Test(arguments: [
        ("partner.example.com:8443", "allow"),
        ("partner.example.com:8080", "allow"),
        ("partner.example.com:22", "port_not_allowed"),
        ("api.stripe.com:443", "tunnel_not_allowed"),
        ("internal.corp:443", "host_not_allowed"),
        ("partner.example.com", "malformed_url"),
        ("[::1]:443", "host_not_allowed"),
    ])
    func tunnel(authority: String, expected: String) {
        #expect(Self.reason(Router.tunnel(policy: Self.policy, authority: authority)) == expected, "\(authority)")
    }

    /// The upstream that names a host most specifically governs it, wherever it stands in the file:
    /// a broad `*.example.com` listed first takes neither calls nor tunnels that `api.example.com`
    /// governs (its methods, paths and response rules would be bypassed).
    @Test func theMostSpecificUpstreamGovernsItsHost() throws {
        let policy = Self.load("""
            upstreams:
              wide:
                url: https://www.example.com
                hosts: ["*.example.com"]
                methods: [GET, POST]
                tunnel: allow
              api:
                url: https://api.example.com
                methods: [GET]
                paths: ["/v1/**"]
              deep:
                url: https://x.eu.example.com
                hosts: ["*.eu.example.com"]
                methods: [GET]
            """)
        func forward(_ method: String, _ url: String) -> String { Self.reason(Router.forward(policy: policy, method: method, absoluteURL: url)) }
        #expect(forward("GET", "https://api.example.com/v1/x") == "allow")
        #expect(forward("POST", "https://api.example.com/v1/x") == "method_not_allowed", "wide's POST must not reach api's host")
        #expect(forward("GET", "https://api.example.com/admin") == "path_not_allowed")
        #expect(forward("POST", "https://other.example.com/x") == "allow")
        #expect(forward("POST", "https://a.eu.example.com/x") == "method_not_allowed", "the longer suffix governs")
        #expect(Self.reason(Router.tunnel(policy: policy, authority: "api.example.com:443")) == "tunnel_not_allowed")
        #expect(Self.reason(Router.tunnel(policy: policy, authority: "other.example.com:443")) == "allow")
        if case .allow(let route) = Router.forward(policy: policy, method: "GET", absoluteURL: "https://api.example.com/v1/x") {
            #expect(route.upstream.name == "api")
        }
    }

    /// Upstreams that name a host equally specifically each grant what they grant, for tunnels as
    /// for calls: one that refuses (no tunnels, another port, other clients) does not hide one that
    /// allows, and a report-mode one is used only when none allows outright.
    @Test func equallySpecificUpstreamsEachGrantTheirTunnels() {
        let policy = Self.load("""
            clients:
              billing: { addresses: [10.1.0.0/16] }
              ops: { addresses: [10.2.0.0/16] }
            upstreams:
              calls:
                url: https://api.example.com
              other-port:
                url: https://api.example.com:8443
                tunnel: allow
              shadow:
                url: https://api.example.com
                tunnel: allow
                mode: report
                clients: [billing]
              tunnels:
                url: https://api.example.com
                tunnel: allow
                clients: [ops]
            """)
        func tunnel(_ client: String?, _ authority: String = "api.example.com:443") -> (String, String?, Bool) {
            switch Router.tunnel(policy: policy, client: client, authority: authority) {
            case .allow(let route): ("allow", route.upstream.name, route.wouldDeny != nil)
            case .deny(let denial, let upstream): (denial.reason.rawValue, upstream?.name, false)
            }
        }
        #expect(tunnel("ops") == ("allow", "tunnels", false), "the first upstream's tunnel: deny hid the one that allows")
        #expect(tunnel("billing") == ("allow", "shadow", false))
        #expect(tunnel(nil) == ("allow", "shadow", true), "report mode lets it through, reported")
        #expect(tunnel("ops", "api.example.com:8443") == ("allow", "other-port", false))
        #expect(tunnel("ops", "api.example.com:9000").0 == "tunnel_not_allowed", "the first refusal is the one reported")
    }
}
