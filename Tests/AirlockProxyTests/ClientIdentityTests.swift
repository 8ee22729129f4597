import AirlockTestSupport
import Foundation
import Testing

/// End-to-end: who is asking. Clients identified by the loopback address they connect from
/// (127.0.0.2 vs 127.0.0.1, both loopback) or by a token in `Proxy-Authorization`; upstreams
/// that serve only some clients; per-client rate limits. Real proxy, real curl, real upstream.
@Suite(.serialized) struct ClientIdentityTests {
    /// SHA-256 of "r3ports-token" (`printf %s r3ports-token | sha256sum`).
    static let reportsDigest = "bff04a6d7e77be249f0421a0c062bbcfb6828fb5ff1562f1e53ad1443f4c0cc2"

    static func policy(api: Int) -> String {
        """
        dns:
          static:
            analytics.test: [127.0.0.1]
            shadow.test: [127.0.0.1]
        clients:
          billing:
            addresses: [127.0.0.2/32]
          loopback:
            addresses: [127.0.0.0/8]
          reports:
            token_sha256: \(reportsDigest)
        upstreams:
          payments:
            url: http://127.0.0.1:\(api)/p
            clients: [billing]
            allow_addresses: [127.0.0.1/32]
          analytics:
            url: http://analytics.test:\(api)/a
            clients: [reports]
            tunnel: opaque
            allow_addresses: [127.0.0.1/32]
          shadow:
            url: http://127.0.0.1:\(api)/s
            clients: [billing]
            mode: report
            allow_addresses: [127.0.0.1/32]
          shadowtunnel:
            url: http://shadow.test:\(api)
            clients: [billing]
            mode: report
            tunnel: opaque
            allow_addresses: [127.0.0.1/32]
          open:
            url: http://127.0.0.1:\(api)/o
            methods: [GET, POST]
            allow_addresses: [127.0.0.1/32]
            limits: { rate: 1/m, burst: 2 }
        """
    }

    static func run(_ body: (Harness, TestUpstream) async throws -> Void) async throws {
        let upstream = try await TestUpstream()
        do {
            try await withAirlock(policy: policy(api: upstream.port)) { airlock in try await body(airlock, upstream) }
        } catch {
            await upstream.stop()
            throw error
        }
        await upstream.stop()
    }

    /// `admin.clients` says who may read Airlock's own endpoints: a listed client by address or by
    /// token reads them; another is refused (403), a failed login gets 407, and refusals are audited.
    @Test func adminClientsAloneReadHealthAndMetrics() async throws {
        let upstream = try await TestUpstream()
        let airlock = try await Harness(policy: Self.policy(api: upstream.port) + "\nadmin:\n  clients: [billing, reports]\n")
        try await airlock.run(stopping: upstream) {
            let metrics = "http://127.0.0.1:\(airlock.port)/_airlock/metrics"
            let byAddress = try airlock.curl(["--interface", "127.0.0.2", metrics])
            #expect(byAddress.status == 200 && byAddress.body.contains("airlock_audit_events_total"), "\(byAddress.status) \(byAddress.body.prefix(120))")
            let byToken = try airlock.gateway("/_airlock/health", headers: ["Proxy-Authorization: Bearer r3ports-token"])
            #expect(byToken.status == 200 && byToken.body.contains("\"status\":\"ok\""))
            #expect(airlock.auditEvents().isEmpty, "permitted reads of the endpoints are not audited")

            let other = try airlock.gateway("/_airlock/metrics")   // from 127.0.0.1: client 'loopback', not listed
            #expect(other.status == 403 && other.reason == "client_not_permitted", "\(other.status) \(other.body)")
            #expect(!other.body.contains("airlock_"), "metrics leaked in a refusal")
            let wrong = try airlock.gateway("/_airlock/metrics", headers: ["Proxy-Authorization: Bearer nope"])
            #expect(wrong.status == 407 && wrong.reason == "client_unauthenticated")
            let events = airlock.auditEvents()
            #expect(events.count == 2 && events.allSatisfy { $0["decision"] as? String == "deny" }, "\(events)")
            #expect(events.first?["client"] as? String == "loopback" && events.first?["url"] as? String == "/_airlock/metrics", "\(events)")
        }
    }

    /// `Basic base64(name:token)`.
    static func basic(_ name: String, _ token: String) -> String {
        "Proxy-Authorization: Basic " + Data("\(name):\(token)".utf8).base64EncodedString()
    }

    @Test func clientsAreIdentifiedByAddressAndUpstreamsServeOnlyTheirs() async throws {
        try await Self.run { airlock, upstream in
            // From 127.0.0.2: billing, which payments serves.
            let billing = try airlock.curl(["--interface", "127.0.0.2", "http://127.0.0.1:\(airlock.port)/payments/v1/charge"])
            #expect(billing.status == 200)
            #expect(upstream.requests.last?.uri == "/p/v1/charge")
            let allowed = try #require(airlock.auditEvent(for: billing))
            #expect(allowed["client"] as? String == "billing")
            #expect(allowed["client_address"] as? String == "127.0.0.2")

            // From 127.0.0.1: the broader block's client, which payments does not serve.
            let seen = upstream.requests.count
            let other = try airlock.gateway("/payments/v1/charge")
            #expect(other.status == 403 && other.reason == "client_not_permitted")
            #expect(other.body.contains("client 'loopback' is not one of upstream 'payments' clients"))
            let denied = try #require(airlock.auditEvent(for: other))
            #expect(denied["decision"] as? String == "deny")
            #expect(denied["client"] as? String == "loopback")
            #expect(denied["client_address"] as? String == "127.0.0.1")
            #expect(upstream.requests.count == seen, "a refused client reached the upstream")

            // Report mode lets it through and records what enforce would have refused.
            let shadow = try airlock.gateway("/shadow/v1/x")
            #expect(shadow.status == 200)
            let reported = try #require(airlock.auditEvent(for: shadow))
            #expect(reported["decision"] as? String == "report")
            #expect(reported["reason"] as? String == "client_not_permitted")
            // A tunnel too: it opens, and the record says who enforce mode would have refused.
            let tunnel = try airlock.curl(["-p", "-x", "http://127.0.0.1:\(airlock.port)", "http://shadow.test:\(upstream.port)/v1/tun"])
            #expect(tunnel.status == 200 && upstream.requests.last?.uri == "/v1/tun")
            let tunnelEvent = try #require(airlock.auditEvents().last { $0["mode"] as? String == "tunnel" })
            #expect(tunnelEvent["decision"] as? String == "report" && tunnelEvent["reason"] as? String == "client_not_permitted", "\(tunnelEvent)")
            #expect((tunnelEvent["detail"] as? String)?.contains("client 'loopback' is not one of upstream 'shadowtunnel' clients") == true, "\(tunnelEvent)")
            // Its destination rules stay enforced: a port the upstream does not list is refused.
            let port = try airlock.curl(["-p", "-x", "http://127.0.0.1:\(airlock.port)", "http://shadow.test:\(upstream.port + 1)/v1/tun"])
            #expect(port.status == 403 && port.reason == "port_not_allowed", "\(port.status) \(port.reason ?? "")")
        }
    }

    @Test func tokenClientsAuthenticateWithProxyAuthorizationInEveryMode() async throws {
        try await Self.run { airlock, upstream in
            // No credentials for an upstream whose client authenticates: 407 with a challenge, also
            // for a caller its address identifies (as `loopback`), since credentials could let it in.
            let anonymous = try airlock.gateway("/analytics/v1/report")
            #expect(anonymous.status == 407 && anonymous.reason == "client_unauthenticated")
            #expect(anonymous.headers["proxy-authenticate"] == "Basic realm=\"airlock\"")
            #expect(anonymous.body.contains("client 'loopback' is not one of upstream 'analytics' clients; authenticate with Proxy-Authorization"))
            #expect(upstream.requests.isEmpty)

            // Gateway mode, the token as Basic name:token and as Bearer.
            let basic = try airlock.gateway("/analytics/v1/report", headers: [Self.basic("reports", "r3ports-token")])
            #expect(basic.status == 200)
            #expect(upstream.requests.last?.header("Proxy-Authorization") == nil, "credentials reached the upstream")
            let event = try #require(airlock.auditEvent(for: basic))
            #expect(event["client"] as? String == "reports")
            #expect(event["client_address"] as? String == "127.0.0.1")
            let bearer = try airlock.gateway("/analytics/v1/report", headers: ["Proxy-Authorization: Bearer r3ports-token"])
            #expect(bearer.status == 200)

            // Forward mode and a CONNECT tunnel, with curl's own --proxy-user.
            let forward = try airlock.curl(["-x", "http://127.0.0.1:\(airlock.port)", "--proxy-user", "reports:r3ports-token", "http://analytics.test:\(upstream.port)/a/v1/fwd"])
            #expect(forward.status == 200)
            #expect(upstream.requests.last?.uri == "/a/v1/fwd")
            let tunnel = try airlock.curl(["-p", "-x", "http://127.0.0.1:\(airlock.port)", "--proxy-user", "reports:r3ports-token", "http://analytics.test:\(upstream.port)/a/v1/tun"])
            #expect(tunnel.status == 200)
            #expect(upstream.requests.last?.uri == "/a/v1/tun")
            let tunnelEvent = try #require(airlock.auditEvents().last { $0["mode"] as? String == "tunnel" })
            #expect(tunnelEvent["client"] as? String == "reports" && tunnelEvent["decision"] as? String == "allow")
            let refusedTunnel = try airlock.curl(["-p", "-x", "http://127.0.0.1:\(airlock.port)", "http://analytics.test:\(upstream.port)/a/v1/tun2"])
            #expect(refusedTunnel.status == 407 && refusedTunnel.reason == "client_unauthenticated")

            // A wrong or unknown credential is a failed login everywhere, never a fall-back to the
            // address (the open upstream would serve the address's client).
            let seen = upstream.requests.count
            let failures: [(String, String)] = [
                (Self.basic("reports", "wrong"), "wrong token for client 'reports'"),
                (Self.basic("billing", "r3ports-token"), "name no client that authenticates with a token"),
                (Self.basic("r3ports-token", ""), "the token is empty"),
                (Self.basic("r3ports-token", "x"), "name no client that authenticates with a token"),
                ("Proxy-Authorization: Bearer nope", "the bearer token belongs to no client"),
                ("Proxy-Authorization: Digest abc", "scheme 'digest' is not Basic or Bearer"),
                ("Proxy-Authorization: Basic %%%", "not base64 of name:token"),
            ]
            for (header, message) in failures {
                for path in ["/analytics/v1/report", "/open/v1/x"] {
                    let reply = try airlock.gateway(path, headers: [header])
                    #expect(reply.status == 407 && reply.reason == "client_unauthenticated", "\(header) \(path)")
                    let failed = try #require(airlock.auditEvent(for: reply))
                    #expect(failed["decision"] as? String == "deny" && failed["client"] as? String == "127.0.0.1")
                    // What failed is in the audit log; a well-formed credential's caller learns only that it failed.
                    #expect((failed["detail"] as? String ?? "").contains(message), "\(header): \(failed)")
                    let malformed = message.contains("empty") || message.contains("scheme") || message.contains("base64")
                    #expect(reply.body.contains(malformed ? message : "credentials were not accepted"), "\(header): \(reply.body)")
                    if !malformed { #expect(!reply.body.contains("token") && !reply.body.contains("reports") && !reply.body.contains("billing"), "\(reply.body)") }
                }
            }
            let twice = try airlock.gateway("/open/v1/x", headers: ["Proxy-Authorization: Bearer r3ports-token", "Proxy-Authorization: Bearer r3ports-token"])
            #expect(twice.status == 407)
            #expect(upstream.requests.count == seen, "a failed login reached the upstream")
            let log = String(decoding: FileManager.default.contents(atPath: airlock.auditPath) ?? Data(), as: UTF8.self)
            #expect(!log.contains("r3ports-token") && !log.contains("cmVwb3J0czpyM3BvcnRzLXRva2Vu"), "a token reached the audit log")
        }
    }

    @Test func eachClientHasItsOwnRateBucket() async throws {
        try await Self.run { airlock, upstream in
            // burst 2, then one call a minute: the third call within the minute is refused.
            #expect(try airlock.gateway("/open/v1/a").status == 200)
            #expect(try airlock.gateway("/open/v1/b").status == 200)
            let seen = upstream.requests.count
            let limited = try airlock.gateway("/open/v1/c")
            #expect(limited.status == 429 && limited.reason == "rate_limited")
            let retry = try #require(Int(limited.headers["retry-after"] ?? ""))
            #expect(retry >= 1 && retry <= 60)
            #expect(limited.body.contains("client 'loopback' is over upstream 'open' limits.rate 1/m burst 2"))
            let event = try #require(airlock.auditEvent(for: limited))
            #expect(event["decision"] as? String == "deny" && event["reason"] as? String == "rate_limited" && event["status"] as? Int == 429)
            #expect(upstream.requests.count == seen, "a rate-limited call reached the upstream")
            // A POST with a body is refused before its body is sent upstream, and the connection stays usable.
            let post = try airlock.gateway("/open/v1/d", method: "POST", body: "{\"a\":1}")
            #expect(post.status == 429)
            // Another client has a bucket of its own.
            let billing = try airlock.curl(["--interface", "127.0.0.2", "http://127.0.0.1:\(airlock.port)/open/v1/e"])
            #expect(billing.status == 200)
            #expect(try #require(airlock.auditEvent(for: billing))["client"] as? String == "billing")
        }
    }
}
