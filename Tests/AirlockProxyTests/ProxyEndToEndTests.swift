import AirlockTestSupport
import Foundation
import Testing

/// End-to-end: the real proxy, real upstream servers on 127.0.0.1, the real curl client.
///
/// `internal` is a server that plays an internal service: no test may ever make it
/// receive a request, whatever the policy says; every suite checks that at the end.
@Suite(.serialized) struct ProxyEndToEndTests {
    static func policy(api: Int, internalPort: Int, extra: String = "") -> String {
        """
        dns:
          static:
            partner.test: [127.0.0.1]
            loop.test: [127.0.0.1]
            tunnel.test: [127.0.0.1]
        upstreams:
          api:
            url: http://127.0.0.1:\(api)
            methods: [GET, POST]
            paths: ["/v1/**"]
            allow_addresses: [127.0.0.1/32]
            limits: { request_bytes: 1KiB }
          partner:
            url: http://partner.test:\(api)
            tunnel: opaque
            allow_addresses: [127.0.0.1/32]
          sneaky:
            url: http://loop.test:\(internalPort)
            tunnel: opaque
          reporter:
            url: http://127.0.0.1:\(api)/base
            mode: report
            paths: ["/v1/**"]
            allow_addresses: [127.0.0.1/32]
          follower:
            url: http://partner.test:\(api)
            redirects: follow
            allow_addresses: [127.0.0.1/32]
        \(extra)
        """
    }

    /// Starts the upstream, the internal server and Airlock; checks the internal server stayed untouched.
    static func run(extra: @escaping (Int, Int) -> String = { _, _ in "" }, _ body: (Harness, TestUpstream) async throws -> Void) async throws {
        try await run(extra: extra) { airlock, upstream, _ in try await body(airlock, upstream) }
    }

    /// As `run`, also handing the body the internal server's port (a destination that must stay unreached).
    static func run(extra: @escaping (Int, Int) -> String = { _, _ in "" }, _ body: (Harness, TestUpstream, Int) async throws -> Void) async throws {
        let upstream = try await TestUpstream { request in
            if request.uri.hasPrefix("/v1/redirect-to?") {
                let target = String(request.uri.dropFirst("/v1/redirect-to?".count)).removingPercentEncoding ?? ""
                return .redirect(target)
            }
            if request.uri.hasPrefix("/v1/big") { return .json("[" + String(repeating: "1,", count: 4000) + "1]") }
            if request.uri.hasPrefix("/v1/slow") { return TestUpstream.Response(delayMs: 2000) }
            let echo = "{\"method\":\"\(request.method)\",\"uri\":\"\(request.uri)\",\"authorization\":\(request.header("Authorization") != nil)}"
            return .json(echo)
        }
        let internalServer = try await TestUpstream()
        do {
            try await withAirlock(policy: policy(api: upstream.port, internalPort: internalServer.port, extra: extra(upstream.port, internalServer.port))) { airlock in
                try await body(airlock, upstream, internalServer.port)
            }
        } catch {
            await upstream.stop()
            await internalServer.stop()
            throw error
        }
        #expect(internalServer.requests.isEmpty, "the internal server was reached: \(internalServer.requests.map(\.uri))")
        await upstream.stop()
        await internalServer.stop()
    }

    @Test func gatewayCallIsAllowedAndAudited() async throws {
        try await Self.run { airlock, upstream in
            let reply = try airlock.gateway("/api/v1/items?token=s3cret&page=2", headers: ["Authorization: Bearer TOPSECRET", "Proxy-Authorization: Basic cHJveHk=", "Connection: keep-alive, X-Hop", "X-Hop: 1"])
            #expect(reply.status == 200)
            #expect(reply.body.contains("\"uri\":\"/v1/items?token=s3cret&page=2\""))
            let seen = try #require(upstream.requests.last)
            #expect(seen.header("Proxy-Authorization") == nil)
            #expect(seen.header("X-Hop") == nil)
            #expect(seen.header("Authorization") == "Bearer TOPSECRET")
            let event = try #require(airlock.auditEvent(for: reply))
            #expect(event["decision"] as? String == "allow")
            #expect(event["mode"] as? String == "gateway")
            #expect(event["upstream"] as? String == "api")
            #expect(event["address"] as? String == "127.0.0.1")
            #expect(event["status"] as? Int == 200)
            #expect(event["upstream_status"] as? Int == 200)
            #expect((event["url"] as? String)?.hasSuffix("/v1/items?token=REDACTED&page=REDACTED") == true)
            let log = String(decoding: FileManager.default.contents(atPath: airlock.auditPath) ?? Data(), as: UTF8.self)
            #expect(!log.contains("TOPSECRET") && !log.contains("s3cret") && !log.contains("cHJveHk="))
        }
    }

    @Test func refusalsCarryReasonHeaderJSONBodyAndAuditEvent() async throws {
        try await Self.run { airlock, upstream in
            let cases: [(String, String, Int, String)] = [
                ("DELETE", "/api/v1/items", 403, "method_not_allowed"),
                ("GET", "/api/v2/items", 403, "path_not_allowed"),
                ("GET", "/nowhere/v1/items", 404, "unknown_upstream"),
                ("GET", "/v1/items", 404, "unknown_upstream"),   // origin-form is never routed by Host
            ]
            for (method, path, status, reason) in cases {
                let reply = try airlock.gateway(path, method: method, headers: ["Host: 127.0.0.1:\(upstream.port)"])
                #expect(reply.status == status, "\(method) \(path)")
                #expect(reply.reason == reason, "\(method) \(path)")
                let json = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any])
                let error = try #require(json["error"] as? [String: Any])
                #expect(error["reason"] as? String == reason)
                #expect(error["request_id"] as? String == reply.headers["airlock-request-id"])
                let event = try #require(airlock.auditEvent(for: reply))
                #expect(event["decision"] as? String == "deny")
                #expect(event["reason"] as? String == reason)
            }
            #expect(upstream.requests.isEmpty)
        }
    }

    @Test func gatewayPathsCannotClimbOutOfTheBasePath() async throws {
        try await Self.run { airlock, upstream in
            for path in ["/api/v1/../admin", "/api/v1/%2e%2e/admin", "/api/v1%2fadmin", "/api/v1/a%5c..%5cb", "/api/v1/./x"] {
                let reply = try airlock.curl(["--path-as-is", "http://127.0.0.1:\(airlock.port)\(path)"])
                #expect(reply.status == 400, "\(path)")
                #expect(reply.reason == "malformed_url", "\(path)")
            }
            #expect(upstream.requests.isEmpty)
        }
    }

    @Test func forwardProxyModeChecksHostPortAndScheme() async throws {
        try await Self.run { airlock, upstream in
            let ok = try airlock.forward("http://127.0.0.1:\(upstream.port)/v1/items")
            #expect(ok.status == 200)
            #expect(airlock.auditEvent(for: ok)?["mode"] as? String == "forward")
            // 0x7f.1 is 127.0.0.1 spelt in hex: normalized, then matched like the plain form.
            let hex = try airlock.forward("http://0x7f.1:\(upstream.port)/v1/items")
            #expect(hex.status == 200)
            let host = try airlock.forward("http://example.com/")
            #expect(host.status == 403 && host.reason == "host_not_allowed")
            let port = try airlock.forward("http://2130706433:\(upstream.port + 1)/v1/items")
            #expect(port.status == 403 && port.reason == "port_not_allowed")
            let scheme = try airlock.forward("ftp://127.0.0.1:\(upstream.port)/v1/items")
            #expect(scheme.status == 403 && scheme.reason == "scheme_not_allowed")
            // curl normalizes numeric hosts itself, so the raw request line proves Airlock does too.
            let decimal = try await RawClient.exchange(port: airlock.port, bytes: "GET http://2130706433:\(upstream.port)/v1/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeoutMs: 2000)
            #expect(decimal.hasPrefix("HTTP/1.1 200"), "\(decimal.prefix(60))")
            let octal = try await RawClient.exchange(port: airlock.port, bytes: "GET http://0177.0.0.1:\(upstream.port + 1)/v1/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeoutMs: 2000)
            #expect(octal.hasPrefix("HTTP/1.1 403") && octal.contains("port_not_allowed"))
            // userinfo in an absolute-form target: parsers disagree on it, so it is refused.
            let userinfo = try await RawClient.exchange(port: airlock.port, bytes: "GET http://evil@127.0.0.1:\(upstream.port)/v1/items HTTP/1.1\r\nHost: x\r\n\r\n", timeoutMs: 1000)
            #expect(userinfo.hasPrefix("HTTP/1.1 400"))
            #expect(userinfo.contains("malformed_url"))
        }
    }

    @Test func staticNameMappedToLoopbackIsForbiddenAndNeverConnected() async throws {
        try await Self.run { airlock, _ in
            let reply = try airlock.gateway("/sneaky/anything")
            #expect(reply.status == 403)
            #expect(reply.reason == "address_forbidden")
            let event = try #require(airlock.auditEvent(for: reply))
            #expect(event["address"] as? String == "127.0.0.1")
            #expect((event["detail"] as? String)?.contains("loopback") == true)
        }
    }

    @Test func redirectsAreBlockedByDefault() async throws {
        try await Self.run { airlock, _ in
            let reply = try airlock.gateway("/api/v1/redirect-to?http%3A%2F%2F127.0.0.1%3A1%2Fsecret")
            #expect(reply.status == 502)
            #expect(reply.reason == "redirect_blocked")
            let event = try #require(airlock.auditEvent(for: reply))
            #expect((event["detail"] as? String)?.contains("Location: http://127.0.0.1:1/secret") == true)
        }
    }

    @Test func followedRedirectsAreRecheckedEveryHop() async throws {
        try await Self.run { airlock, upstream in
            // to an allowed upstream on another origin: followed, credentials dropped
            let target = "http://127.0.0.1:\(upstream.port)/v1/final".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let ok = try airlock.gateway("/follower/v1/redirect-to?\(target)", headers: ["Authorization: Bearer X"])
            #expect(ok.status == 200)
            #expect(ok.body.contains("\"uri\":\"/v1/final\""))
            #expect(ok.body.contains("\"authorization\":false"))
            // the record names where the call ended, and the redirect it followed
            let okEvent = airlock.auditEvent(for: ok)
            #expect(okEvent?["url"] as? String == "http://127.0.0.1:\(upstream.port)/v1/final")
            let chain = "followed 1 redirect(s): http://partner.test:\(upstream.port)/v1/redirect-to?REDACTED → http://127.0.0.1:\(upstream.port)/v1/final"
            #expect((okEvent?["detail"] as? String)?.contains(chain) == true, "\(okEvent ?? [:])")
            // to a name that maps to a forbidden address: refused at the hop
            let internalTarget = "http://loop.test:\(upstream.port + 1)/".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let bad = try airlock.gateway("/follower/v1/redirect-to?\(internalTarget)")
            #expect(bad.status == 502 && bad.reason == "redirect_blocked")
            // to a host no upstream allows
            let away = try airlock.gateway("/follower/v1/redirect-to?" + "http://example.com/".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            #expect(away.status == 502 && away.reason == "redirect_blocked")
            #expect(airlock.auditEvent(for: away)?["detail"] as? String != nil)
            // into a report-mode upstream whose rules refuse the hop: let through, audited as report
            let reported = "http://127.0.0.1:\(upstream.port)/base/v2/off-list".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let passed = try airlock.gateway("/follower/v1/redirect-to?\(reported)")
            #expect(passed.status == 200)
            #expect(passed.body.contains("\"uri\":\"/base/v2/off-list\""))
            let passedEvent = try #require(airlock.auditEvent(for: passed))
            #expect(passedEvent["decision"] as? String == "report" && passedEvent["reason"] as? String == "path_not_allowed", "\(passedEvent)")
            #expect(passedEvent["upstream"] as? String == "reporter")
        }
    }

    @Test func upstreamConnectionsAreReused() async throws {
        try await Self.run { airlock, upstream in
            for i in 0..<5 {
                let reply = try airlock.gateway("/api/v1/items/\(i)")
                #expect(reply.status == 200)
            }
            #expect(upstream.requests.count == 5)
            #expect(upstream.connections == 1, "each call opened a new upstream connection")
        }
    }

    @Test func reportModeLetsTheCallThroughAndRecordsWouldDeny() async throws {
        try await Self.run { airlock, upstream in
            let reply = try airlock.gateway("/reporter/v2/not-listed")
            #expect(reply.status == 200)
            #expect(upstream.requests.last?.uri == "/base/v2/not-listed")
            let event = try #require(airlock.auditEvent(for: reply))
            #expect(event["decision"] as? String == "report")
            #expect(event["reason"] as? String == "path_not_allowed")
        }
    }

    @Test func connectTunnelAllowedOnlyWhereThePolicySaysSo() async throws {
        try await Self.run { airlock, upstream, internalPort in
            let through = try airlock.curl(["-p", "-x", "http://127.0.0.1:\(airlock.port)", "http://partner.test:\(upstream.port)/v1/tunneled"])
            #expect(through.status == 200)
            #expect(through.body.contains("/v1/tunneled"))
            let denied = try airlock.curl(["-p", "-x", "http://127.0.0.1:\(airlock.port)", "http://127.0.0.1:\(upstream.port)/v1/x"])
            #expect(denied.status == 403 && denied.reason == "tunnel_not_allowed")
            let forbidden = try airlock.curl(["-p", "-x", "http://127.0.0.1:\(airlock.port)", "http://loop.test:\(internalPort)/"])
            #expect(forbidden.status == 403 && forbidden.reason == "address_forbidden")
            let events = airlock.auditEvents().filter { $0["mode"] as? String == "tunnel" }
            #expect(events.contains { $0["decision"] as? String == "allow" && $0["upstream"] as? String == "partner" })
            #expect(events.contains { $0["reason"] as? String == "tunnel_not_allowed" })
            #expect(events.contains { $0["reason"] as? String == "address_forbidden" && $0["address"] as? String == "127.0.0.1" })
        }
    }

    @Test func limitsAndUpstreamFailuresMapToReasons() async throws {
        let dead = try freePort()
        try await Self.run(extra: { api, _ in
            """
              tiny:
                url: http://127.0.0.1:\(api)
                allow_addresses: [127.0.0.1/32]
                limits: { response_bytes: 1KiB, timeout: 500ms }
              dead:
                url: http://127.0.0.1:\(dead)
                allow_addresses: [127.0.0.1/32]
            """
        }) { airlock, _ in
            let big = try airlock.gateway("/tiny/v1/big")
            #expect(big.status == 502 && big.reason == "response_too_large")
            let slow = try airlock.gateway("/tiny/v1/slow")
            #expect(slow.status == 504 && slow.reason == "upstream_timeout")
            let down = try airlock.gateway("/dead/")
            #expect(down.status == 502 && down.reason == "upstream_unreachable")
            let post = try airlock.gateway("/api/v1/items", method: "POST", body: String(repeating: "x", count: 2000))
            #expect(post.status == 413 && post.reason == "request_too_large")
            let small = try airlock.gateway("/api/v1/items", method: "POST", body: "{\"a\":1}")
            #expect(small.status == 200 && small.body.contains("\"method\":\"POST\""))
        }
    }

    /// `limits.concurrent_calls` is a bulkhead per upstream: calls in flight and open tunnels
    /// beyond it get 503 `concurrency_limit_exceeded` at once (nothing sent upstream), and a
    /// freed slot is usable again; other upstreams are unaffected.
    @Test func concurrentCallsAndTunnelsAreCappedPerUpstream() async throws {
        try await Self.run(extra: { api, _ in
            """
              narrow:
                url: http://127.0.0.1:\(api)
                allow_addresses: [127.0.0.1/32]
                limits: { concurrent_calls: 2 }
              onetunnel:
                url: http://tunnel.test:\(api)
                tunnel: opaque
                allow_addresses: [127.0.0.1/32]
                limits: { concurrent_calls: 1 }
            """
        }) { airlock, upstream in
            // Two slow calls take both slots; the third is refused while they are in flight.
            async let first = onThread { try airlock.gateway("/narrow/v1/slow") }
            async let second = onThread { try airlock.gateway("/narrow/v1/slow") }
            try await Task.sleep(for: .milliseconds(700))
            let third = try airlock.gateway("/narrow/v1/third")
            #expect(third.status == 503 && third.reason == "concurrency_limit_exceeded")
            #expect(third.headers["retry-after"] == "1")
            #expect(third.body.contains("narrow already has 2 calls"))
            let other = try airlock.gateway("/api/v1/unaffected")
            #expect(other.status == 200)
            let (a, b) = try await (first, second)
            #expect(a.status == 200 && b.status == 200)
            let fourth = try airlock.gateway("/narrow/v1/fourth")
            #expect(fourth.status == 200, "a finished call frees its slot")
            #expect(!upstream.requests.contains { $0.uri == "/v1/third" })
            let event = try #require(airlock.auditEvent(for: third))
            #expect(event["decision"] as? String == "deny" && event["reason"] as? String == "concurrency_limit_exceeded")
            #expect(event["upstream"] as? String == "narrow" && event["status"] as? Int == 503)

            // An open tunnel holds its slot until the client closes it.
            let connect = "CONNECT tunnel.test:\(upstream.port) HTTP/1.1\r\nHost: tunnel.test:\(upstream.port)\r\n\r\n"
            async let held = RawClient.exchange(port: airlock.port, bytes: connect, timeoutMs: 1500)
            try await Task.sleep(for: .milliseconds(500))
            let refused = try airlock.curl(["-p", "-x", "http://127.0.0.1:\(airlock.port)", "http://tunnel.test:\(upstream.port)/v1/t"])
            #expect(refused.status == 503 && refused.reason == "concurrency_limit_exceeded")
            // A followed redirect into the full upstream counts against it too.
            let redirect = "/follower/v1/redirect-to?" + "http://tunnel.test:\(upstream.port)/v1/hop".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let hop = try airlock.gateway(redirect)
            #expect(hop.status == 503 && hop.reason == "concurrency_limit_exceeded" && hop.body.contains("redirect to"), "\(hop.status) \(hop.body)")
            #expect(!upstream.requests.contains { $0.uri == "/v1/hop" })
            #expect(try await held.hasPrefix("HTTP/1.1 200 Connection Established"))
            try await Task.sleep(for: .milliseconds(200))
            let after = try airlock.curl(["-p", "-x", "http://127.0.0.1:\(airlock.port)", "http://tunnel.test:\(upstream.port)/v1/t"])
            #expect(after.status == 200 && after.body.contains("/v1/t"), "a closed tunnel frees its slot")
            let hopAfter = try airlock.gateway(redirect)
            #expect(hopAfter.status == 200 && hopAfter.body.contains("/v1/hop"), "\(hopAfter.status) \(hopAfter.body)")
            let again = try airlock.gateway(redirect)
            #expect(again.status == 200, "a finished redirect hop gives its slot back")
        }
    }

    /// A client that hangs up while its call waits for the upstream does not leave the call
    /// running for nobody: the upstream transfer stops at once (its connection closes), the slot
    /// is free for the next call, and the record says the client left (status 499), whether the
    /// answer would have been inspected (buffered) or relayed, or reached after a redirect (the
    /// record then names the chain).
    @Test func aClientThatHangsUpBeforeTheAnswerStopsTheCall() async throws {
        let upstream = try await TestUpstream { request in
            if request.uri.hasPrefix("/hop") { return .redirect("/hang") }
            return request.uri.hasPrefix("/hang") ? TestUpstream.Response(delayMs: 8000) : .json("{\"fast\":true}")
        }
        defer { Task { await upstream.stop() } }
        let policy = """
        dns:
          static:
            chain.test: [127.0.0.1]
        upstreams:
          inspected:
            url: http://127.0.0.1:\(upstream.port)
            allow_addresses: [127.0.0.1/32]
            limits: { concurrent_calls: 1, timeout: 30s }
            responses:
              - match: { path: "/**" }
                content_type: application/json
          relayed:
            url: http://127.0.0.1:\(upstream.port)
            allow_addresses: [127.0.0.1/32]
            limits: { concurrent_calls: 1, timeout: 30s }
          chain:
            url: http://chain.test:\(upstream.port)
            redirects: follow
            allow_addresses: [127.0.0.1/32]
            limits: { concurrent_calls: 1, timeout: 30s }
        """
        try await withAirlock(policy: policy) { airlock in
            for name in ["inspected", "relayed", "chain"] {
                let closedBefore = upstream.closedConnections, sentBefore = upstream.requests.count
                let client = try BlockingClient(port: airlock.port)
                let hops = name == "chain" ? 2 : 1
                try client.send("GET /\(name)/\(hops == 2 ? "hop" : "hang") HTTP/1.1\r\nHost: a\r\n\r\n")
                for _ in 0..<100 where upstream.requests.count < sentBefore + hops {
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(upstream.requests.count == sentBefore + hops, "\(name): the call never reached the upstream")
                client.close()
                var event: [String: Any]?
                for _ in 0..<30 where event == nil {
                    try await Task.sleep(for: .milliseconds(100))
                    event = airlock.auditEvents().first { $0["upstream"] as? String == name && $0["status"] as? Int == 499 }
                }
                let recorded = try #require(event, "\(name): no audit event 3 s after the client left: the call still waits for the upstream")
                #expect(recorded["decision"] as? String == "allow" && recorded["status"] as? Int == 499, "\(name): \(recorded)")
                #expect(recorded["upstream_status"] == nil || recorded["upstream_status"] is NSNull, "\(name): \(recorded)")
                #expect((recorded["detail"] as? String)?.contains("the client closed the connection before the answer") == true, "\(name): \(recorded)")
                #expect(upstream.closedConnections > closedBefore, "\(name): the upstream's connection is still open: the transfer runs on for nobody")
                if hops == 2 {
                    let chain = "followed 1 redirect(s): http://chain.test:\(upstream.port)/hop → http://chain.test:\(upstream.port)/hang"
                    #expect((recorded["detail"] as? String)?.contains(chain) == true, "\(recorded)")
                }
                let next = try airlock.gateway("/\(name)/fast")
                #expect(next.status == 200 && next.body.contains("fast"), "\(name): the call still holds its slot: \(next.status) \(next.reason ?? "")")
            }
        }
    }

    @Test func smugglingShapesAreRefused() async throws {
        try await Self.run { airlock, upstream in
            let shapes = [
                "POST /api/v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                "POST /api/v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
                "POST /api/v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd",
                "GET /api/v1/x HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n",
                "POST /api/v1/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
                "GET /api/v1/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                "GARBAGE\r\n\r\n",
                // A body on GET: libcurl would have sent it as a POST (creating what a GET-only policy allows reading).
                "GET /api/v1/customers HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\nemail=attacker@x.com",
                "GET /api/v1/customers HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                "HEAD /api/v1/customers HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
            ]
            for shape in shapes {
                let answer = try await RawClient.exchange(port: airlock.port, bytes: shape)
                #expect(answer.hasPrefix("HTTP/1.1 400"), "\(shape.debugDescription) -> \(answer.prefix(80))")
            }
            #expect(upstream.requests.isEmpty)
            // What is sent is what was judged: a GET with an empty body stays a GET; a POST without a
            // Content-Type gets none invented; one with its own keeps it.
            let empty = try await RawClient.exchange(port: airlock.port, bytes: "GET /api/v1/empty HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            #expect(empty.hasPrefix("HTTP/1.1 200"), "\(empty.prefix(80))")
            _ = try await RawClient.exchange(port: airlock.port, bytes: "POST /api/v1/bare HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")
            _ = try await RawClient.exchange(port: airlock.port, bytes: "POST /api/v1/typed HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            let seen = upstream.requests
            #expect(seen.map { "\($0.method) \($0.uri)" } == ["GET /v1/empty", "POST /v1/bare", "POST /v1/typed"], "\(seen.map(\.uri))")
            #expect(seen.count == 3 && seen[1].header("Content-Type") == nil && seen[1].body == Array("abc".utf8), "\(seen.last?.headers ?? [])")
            #expect(seen.count == 3 && seen[2].header("Content-Type") == "application/json")
        }
    }

    /// HTTP/1.1 pipelining (RFC 9112 §9.3.2): requests sent back to back on one connection are
    /// answered in the order they came, a slow first call holding back the quick ones behind it,
    /// a refusal in the middle taking its turn; a garbage request behind a call in flight is
    /// answered (400, then close) only after that call's response.
    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await Self.run { airlock, upstream in
            let requests = [
                "GET /api/v1/slow HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET /api/v1/one HTTP/1.1\r\nHost: a\r\n\r\n",
                "GET /nowhere/v1/x HTTP/1.1\r\nHost: a\r\n\r\n",
                "POST /api/v1/two HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
                "GET /api/v1/three HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            ]
            let answer = try await RawClient.exchange(port: airlock.port, bytes: requests.joined(), timeoutMs: 8000)
            let statusLines = Self.statusLines(answer)
            #expect(statusLines == ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK"], "\(answer)")
            let markers = ["{\"ok\":true}", "\"uri\":\"/v1/one\"", "unknown_upstream", "\"uri\":\"/v1/two\"", "\"uri\":\"/v1/three\""]
            let positions = markers.compactMap { answer.range(of: $0)?.lowerBound }
            #expect(positions.count == markers.count && positions == positions.sorted(), "answers out of order: \(answer)")
            #expect(upstream.requests.map(\.uri) == ["/v1/slow", "/v1/one", "/v1/two", "/v1/three"])
            #expect(upstream.requests.first { $0.uri == "/v1/two" }?.body == Array("hello".utf8))

            let behindSlow = try await RawClient.exchange(
                port: airlock.port, bytes: "GET /api/v1/slow HTTP/1.1\r\nHost: a\r\n\r\nGARBAGE\r\n\r\n", timeoutMs: 8000)
            let lines = Self.statusLines(behindSlow)
            #expect(lines == ["HTTP/1.1 200 OK", "HTTP/1.1 400 Bad Request"], "\(behindSlow)")
            #expect(behindSlow.contains("malformed_request"))
        }
    }

    /// Sends each piece on one connection, waiting after each as given, then reads until the server closes.
    static func sendPausing(port: Int, _ pieces: [(text: String, thenWait: Duration)]) async throws -> String {
        let client = try BlockingClient(port: port)
        defer { client.close() }
        for piece in pieces {
            try client.send(piece.text)
            try await Task.sleep(for: piece.thenWait)
        }
        return String(decoding: client.readToEnd(), as: UTF8.self)
    }

    /// Runs a blocking client (curl in a child process) on a thread of its own: on the
    /// cooperative pool, two of them would take every thread of this 2-core machine.
    func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Slowloris: a head trickling in byte by byte (each byte resets the idle timeout) gets 408
    /// `request_timeout` once its deadline passes, audited, and the connection is closed; a head that
    /// arrives in time on the same kind of connection, and a keep-alive connection idle between
    /// requests for longer than the deadline, are served.
    @Test func slowHeadsAreCutAtTheirDeadline() async throws {
        let upstream = try await TestUpstream()
        let policy = """
            upstreams:
              api:
                url: http://127.0.0.1:\(upstream.port)
                methods: [GET, POST]
                allow_addresses: [127.0.0.1/32]
            """
        let airlock = try await Harness(policy: policy, headTimeout: .milliseconds(800), idleTimeout: .milliseconds(1500))
        try await airlock.run(stopping: upstream) {
            let client = try BlockingClient(port: airlock.port)
            defer { client.close() }
            let started = ContinuousClock.now
            for byte in "GET /api/slow HTTP/1.1\r\nHost: a\r\n".utf8 {
                guard (try? client.send(String(decoding: [byte], as: UTF8.self))) != nil else { break }
                try await Task.sleep(for: .milliseconds(40))
                if ContinuousClock.now - started > .seconds(3) { break }
            }
            let answer = String(decoding: client.readToEnd(), as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 408 Request Timeout"), "\(answer)")
            #expect(answer.contains("request_timeout"))
            #expect(upstream.requests.isEmpty)
            let event = try #require(airlock.auditEvents().first { $0["reason"] as? String == "request_timeout" })
            #expect(event["decision"] as? String == "deny" && event["status"] as? Int == 408)

            // In time, and idle longer than the deadline between two requests: both served.
            let both = try await Self.sendPausing(port: airlock.port, [
                ("GET /api/one HTTP/1.1\r\nHost: a\r\n\r\n", .milliseconds(1200)),
                ("GET /api/two HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", .zero),
            ])
            #expect(Self.statusLines(both) == ["HTTP/1.1 200 OK", "HTTP/1.1 200 OK"], "\(both)")

            // The CR LF some clients send after a body starts no deadline.
            let afterCRLF = try await Self.sendPausing(port: airlock.port, [
                ("POST /api/post HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok", .milliseconds(200)),
                ("\r\n", .milliseconds(1000)),
                ("GET /api/after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", .zero),
            ])
            #expect(Self.statusLines(afterCRLF).last == "HTTP/1.1 200 OK", "\(afterCRLF)")

            // A body that stops arriving: 408 at the idle timeout, audited, closed.
            let stalled = try BlockingClient(port: airlock.port)
            defer { stalled.close() }
            try stalled.send("POST /api/stalled HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789")
            let cut = String(decoding: stalled.readToEnd(), as: UTF8.self)
            #expect(cut.hasPrefix("HTTP/1.1 408 ") && cut.contains("the request body stopped arriving"), "\(cut)")
            #expect(!upstream.requests.contains { $0.uri == "/stalled" })
            // A body trickled in below the minimum rate (1 KiB/s once the 800 ms have passed): 408.
            let trickle = try BlockingClient(port: airlock.port)
            defer { trickle.close() }
            try trickle.send("POST /api/trickle HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n")
            for _ in 0..<40 {
                guard (try? trickle.send("x")) != nil else { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let slowBody = String(decoding: trickle.readToEnd(), as: UTF8.self)
            #expect(slowBody.hasPrefix("HTTP/1.1 408 ") && slowBody.contains("arrives slower than 1024 bytes/s"), "\(slowBody)")
            #expect(!upstream.requests.contains { $0.uri == "/trickle" })
            #expect(airlock.auditEvents().filter { $0["reason"] as? String == "request_timeout" }.count == 3)

            // A body that arrives at a normal pace after a pause shorter than the grace is fine.
            let pausedAnswer = try await Self.sendPausing(port: airlock.port, [
                ("POST /api/paused HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nConnection: close\r\n\r\nab", .milliseconds(300)),
                ("cd", .zero),
            ])
            #expect(pausedAnswer.hasPrefix("HTTP/1.1 200 "), "\(pausedAnswer)")
        }
    }

    /// The status lines of the responses in `stream`, in order (a body need not end in CRLF).
    static func statusLines(_ stream: String) -> [String] {
        stream.matches(of: /HTTP\/1\.1 [0-9]{3}[^\r]*/).map { String($0.output) }
    }

    /// Garbage in, a clear 400 out (or a closed connection), and the proxy keeps serving.
    /// `Expect: 100-continue`: an allowed request gets the go-ahead before it sends its body (curl
    /// and others otherwise wait out a timer first); a refused one gets its final answer instead and
    /// the connection closes, since whether its body follows is the client's choice.
    @Test func expectContinueGetsTheGoAheadOnlyWhenAllowed() async throws {
        try await Self.run { airlock, upstream in
            let allowed = try BlockingClient(port: airlock.port)
            defer { allowed.close() }
            try allowed.send("POST /api/v1/items HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 7\r\n\r\n")
            #expect(allowed.read(until: "\r\n\r\n") == "HTTP/1.1 100 Continue\r\n\r\n")
            try allowed.send("{\"a\":1}")
            let answer = allowed.read(until: "}")
            #expect(answer.hasPrefix("HTTP/1.1 200 OK"), "\(answer)")
            let seen = try #require(upstream.requests.last)
            #expect(seen.method == "POST" && seen.body == Array("{\"a\":1}".utf8))
            #expect(seen.header("Expect") == nil)

            let refused = try BlockingClient(port: airlock.port)
            defer { refused.close() }
            try refused.send("POST /api/v2/items HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 7\r\n\r\n")
            let final = String(decoding: refused.readToEnd(), as: UTF8.self)   // the server closes after it
            #expect(final.hasPrefix("HTTP/1.1 403 Forbidden"), "\(final)")
            #expect(final.contains("Airlock-Reason: path_not_allowed") && final.contains("Connection: close"))

            let old = try BlockingClient(port: airlock.port)
            defer { old.close() }
            try old.send("POST /api/v1/items HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok")
            let oldAnswer = String(decoding: old.readToEnd(), as: UTF8.self)
            #expect(oldAnswer.hasPrefix("HTTP/1.1 200 OK"), "an HTTP/1.0 client got a 1xx it cannot read: \(oldAnswer.prefix(40))")
        }
    }

    /// Airlock's own endpoints: health for probes, metrics (Prometheus text) that agree with the
    /// audit log; neither is a call, so neither is audited; other `/_airlock/` paths are refused.
    @Test func healthAndMetricsEndpointsAgreeWithTheAuditLog() async throws {
        try await Self.run { airlock, upstream in
            for _ in 0..<3 { #expect(try airlock.gateway("/api/v1/items").status == 200) }
            #expect(try airlock.gateway("/api/v2/items").status == 403)
            #expect(try airlock.gateway("/nowhere/x").status == 404)
            let health = try airlock.gateway("/_airlock/health")
            #expect(health.status == 200 && health.headers["content-type"] == "application/json")
            #expect(health.body.contains("\"status\":\"ok\""))
            let metrics = try airlock.gateway("/_airlock/metrics")
            #expect(metrics.status == 200 && metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            let lines = metrics.body.split(separator: "\n").map(String.init)
            #expect(lines.contains("airlock_decisions_total{upstream=\"api\",decision=\"allow\",reason=\"\"} 3"), "\(metrics.body)")
            #expect(lines.contains("airlock_decisions_total{upstream=\"api\",decision=\"deny\",reason=\"path_not_allowed\"} 1"))
            #expect(lines.contains("airlock_decisions_total{upstream=\"\",decision=\"deny\",reason=\"unknown_upstream\"} 1"))
            #expect(lines.contains("airlock_decision_duration_seconds_count{upstream=\"api\"} 4"))
            #expect(lines.contains("airlock_decision_duration_seconds_bucket{upstream=\"api\",le=\"+Inf\"} 4"))
            #expect(lines.contains("airlock_calls_in_flight{upstream=\"api\"} 0"))
            #expect(lines.contains("airlock_audit_events_total 5"))
            #expect(lines.contains("airlock_audit_write_errors_total 0"))
            #expect(airlock.auditEvents().count == 5, "health and metrics requests are not audited")
            let other = try airlock.gateway("/_airlock/config")
            #expect(other.status == 404 && other.reason == "unknown_upstream")
            #expect(upstream.requests.count == 3)
        }
    }

    /// Names the policy does not pin (`dns.static`) go to the system resolver, once per name for
    /// a few seconds: the answer serves the calls after it (each still address-checked), and the
    /// metrics count lookups and reuses. `localhost` comes from /etc/hosts, so nothing leaves the host.
    @Test func systemResolverAnswersAreReusedBriefly() async throws {
        try await Self.run(extra: { api, _ in
            """
              local:
                url: http://localhost:\(api)
                allow_addresses: [127.0.0.1/32, "::1/128"]
            """
        }) { airlock, upstream in
            func count(_ name: String) throws -> Int? {
                let lines = try airlock.gateway("/_airlock/metrics").body.split(separator: "\n")
                return lines.first { $0.hasPrefix(name + " ") }.flatMap { Int($0.split(separator: " ").last ?? "") }
            }
            #expect(try count("airlock_dns_lookups_total") == 0)
            for _ in 0..<3 {
                let reply = try airlock.gateway("/local/v1/x")
                #expect(reply.status == 200, "\(reply.status) \(reply.body)")
            }
            #expect(try airlock.gateway("/follower/v1/pinned").status == 200, "a dns.static name")
            #expect(try count("airlock_dns_lookups_total") == 1, "one lookup for three calls to localhost, none for partner.test")
            #expect(try count("airlock_dns_cache_hits_total") == 2)
            #expect(upstream.requests.filter { $0.uri == "/v1/x" }.count == 3)
        }
    }

    /// Fail closed on the audit log too: no call gets its answer without its record. With a log that
    /// cannot be written (/dev/full fails every write, as a full disk does), an allowed answer is
    /// withheld (500 internal_error, connection closed; a relay is cut before its end), refusals
    /// still go out, health says so, and the metrics count what was not written.
    @Test func anAuditLogThatCannotBeWrittenWithholdsAllowedAnswers() async throws {
        let upstream = try await TestUpstream { request in
            if request.uri.hasPrefix("/v1/chunked") {
                return TestUpstream.Response(chunks: [.init(delayMs: 0, bytes: Array("[1,".utf8)), .init(delayMs: 50, bytes: Array("2]".utf8))])
            }
            return TestUpstream.Response()
        }
        let airlock = try await Harness(policy: """
            upstreams:
              api:
                url: http://127.0.0.1:\(upstream.port)
                allow_addresses: [127.0.0.1/32]
            """, auditFile: "/dev/full")
        try await airlock.run(stopping: upstream) {
            let withheld = try airlock.gateway("/api/v1/x")
            #expect(withheld.status == 500 && withheld.reason == "internal_error", "\(withheld)")
            #expect(withheld.body.contains("audit log could not be written") && !withheld.body.contains("\"ok\""), "\(withheld.body)")
            #expect(withheld.headers["connection"] == "close")
            // A relayed response whose head is out is cut before its end: the client cannot take it as whole.
            let cut = try airlock.gateway("/api/v1/chunked")
            #expect(cut.exitCode != 0, "a relay without its audit record arrived whole: \(cut)")
            let refused = try airlock.gateway("/nowhere/x")
            #expect(refused.status == 404 && refused.reason == "unknown_upstream")
            let health = try airlock.gateway("/_airlock/health")
            #expect(health.status == 503 && health.body.contains("\"status\":\"audit_failing\""), "\(health)")
            let metrics = try airlock.gateway("/_airlock/metrics").body.split(separator: "\n").map(String.init)
            #expect(metrics.contains("airlock_audit_write_errors_total 3"), "\(metrics)")
            #expect(metrics.contains("airlock_audit_events_total 0"))
            #expect(upstream.requests.map(\.uri) == ["/v1/x", "/v1/chunked"])
        }
    }

    /// A request target never carries a fragment; one that does would be judged by the path rules
    /// with what follows `#`, and sent by libcurl without it: `/v1/secret#/public` matched
    /// `/v1/*/public` and `/v1/secret` reached the upstream. It is refused as malformed.
    @Test func aFragmentInTheRequestTargetIsRefused() async throws {
        try await Self.run(extra: { api, _ in
            """
              narrowpaths:
                url: http://127.0.0.1:\(api)
                paths: ["/v1/*/public"]
                allow_addresses: [127.0.0.1/32]
            """
        }) { airlock, upstream in
            for target in ["/narrowpaths/v1/secret#/public", "http://127.0.0.1:\(upstream.port)/v1/secret#/public"] {
                let answer = try await RawClient.exchange(port: airlock.port, bytes: "GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n", timeoutMs: 1500)
                #expect(answer.hasPrefix("HTTP/1.1 400 ") && answer.contains("Airlock-Reason: malformed_url"), "\(target): \(answer.prefix(200))")
            }
            #expect(try airlock.gateway("/narrowpaths/v1/any/public").status == 200)
            #expect(!upstream.requests.contains { $0.uri.hasPrefix("/v1/secret") }, "\(upstream.requests.map(\.uri))")
            let refused = airlock.auditEvents().filter { $0["reason"] as? String == "malformed_url" }
            #expect(refused.count == 2 && refused.allSatisfy { ($0["detail"] as? String ?? "").contains("'#'") }, "\(refused)")
        }
    }

    /// What a followed redirect may carry on: to another origin, only fields that describe the
    /// request (an API key in any header stays behind), never a request body (307/308), never from
    /// https to http; a 303 drops the body's fields with the body; an upstream with response rules
    /// is not left for another upstream whose answer its rules would not judge; a Location's
    /// fragment (an OAuth token) and query never reach the audit log or the error.
    @Test func followedRedirectsCarryOnlyWhatIsSafe() async throws {
        let upstream = try await TestUpstream { request in
            let port = request.header("Host")?.split(separator: ":").last.map(String.init) ?? "0"
            switch request.uri.split(separator: "?").first.map(String.init) ?? "" {
            case "/v1/to-other", "/c/v1/to-other": return .redirect("http://other.test:\(port)/v1/landed")
            case "/v1/twice": return .redirect("/v1/twice-2?step=2", status: 301)
            case "/v1/twice-2": return .redirect("http://other.test:\(port)/v1/landed-twice")
            case "/v1/to-metered": return .redirect("http://metered.test:\(port)/v1/metered")
            case "/v1/307-to-other": return .redirect("http://other.test:\(port)/v1/landed-307", status: 307)
            case "/v1/303-same": return .redirect("/v1/after-303", status: 303)
            case "/v1/oauth": return .redirect("https://app.test/cb?code=abc#access_token=s3cr3t-token")
            default: return .json("{\"ok\":true}")
            }
        }
        let airlock = try await Harness(policy: """
            dns:
              static:
                partner.test: [127.0.0.1]
                other.test: [127.0.0.1]
                metered.test: [127.0.0.1]
            upstreams:
              follower:
                url: http://partner.test:\(upstream.port)
                methods: [GET, POST]
                redirects: follow
                allow_addresses: [127.0.0.1/32]
              other:
                url: http://other.test:\(upstream.port)
                methods: [GET, POST]
                allow_addresses: [127.0.0.1/32]
              checked:
                url: http://partner.test:\(upstream.port)/c
                redirects: follow
                allow_addresses: [127.0.0.1/32]
                responses:
                  - match: { path: "/**" }
              blocking:
                url: http://partner.test:\(upstream.port)
                allow_addresses: [127.0.0.1/32]
              metered:
                url: http://metered.test:\(upstream.port)
                allow_addresses: [127.0.0.1/32]
                limits: { rate: 1/m, burst: 1 }
            """)
        try await airlock.run(stopping: upstream) {
            let moved = try airlock.gateway("/follower/v1/to-other", headers: [
                "X-Api-Key: k3y", "Authorization: Bearer t0ken", "Private-Token: p", "Accept: application/json", "User-Agent: probe/1"])
            #expect(moved.status == 200, "\(moved.status) \(moved.body)")
            let landed = try #require(upstream.requests.first { $0.uri == "/v1/landed" })
            #expect(landed.header("Accept") == "application/json" && landed.header("User-Agent") == "probe/1")
            #expect(landed.header("X-Api-Key") == nil && landed.header("Authorization") == nil && landed.header("Private-Token") == nil, "\(landed.headers)")
            #expect(upstream.requests.first { $0.uri == "/v1/to-other" }?.header("X-Api-Key") == "k3y", "the first hop keeps what the client sent")
            // The record names where the call ended and, in its detail, every hop on the way.
            let twice = try airlock.gateway("/follower/v1/twice")
            let twiceEvent = try #require(airlock.auditEvent(for: twice))
            #expect(twice.status == 200 && twiceEvent["url"] as? String == "http://other.test:\(upstream.port)/v1/landed-twice" && twiceEvent["upstream"] as? String == "other")
            let chain = "followed 2 redirect(s): http://partner.test:\(upstream.port)/v1/twice → http://partner.test:\(upstream.port)/v1/twice-2?step=REDACTED"
                + " → http://other.test:\(upstream.port)/v1/landed-twice"
            #expect((twiceEvent["detail"] as? String)?.contains(chain) == true, "\(twiceEvent)")

            let replay = try airlock.gateway("/follower/v1/307-to-other", method: "POST", headers: ["Content-Type: application/json"], body: "{\"secret\":1}")
            #expect(replay.status == 502 && replay.reason == "redirect_blocked" && replay.body.contains("never replayed to another origin"), "\(replay.body)")
            #expect(!upstream.requests.contains { $0.uri == "/v1/landed-307" })

            let seeOther = try airlock.gateway("/follower/v1/303-same", method: "POST", headers: ["Content-Type: application/json"], body: "{}")
            #expect(seeOther.status == 200)
            let after = try #require(upstream.requests.first { $0.uri == "/v1/after-303" })
            #expect(after.method == "GET" && after.header("Content-Type") == nil && after.body.isEmpty, "\(after.headers)")

            let ruled = try airlock.gateway("/checked/v1/to-other")
            #expect(ruled.status == 502 && ruled.reason == "redirect_blocked" && ruled.body.contains("response rules of upstream 'checked'"), "\(ruled.body)")
            #expect(upstream.requests.filter { $0.uri == "/v1/landed" }.count == 1, "the hop out of 'checked' was made")

            let token = try airlock.gateway("/blocking/v1/oauth")
            #expect(token.status == 502 && token.reason == "redirect_blocked")
            let log = String(decoding: FileManager.default.contents(atPath: airlock.auditPath) ?? Data(), as: UTF8.self)
            #expect(!token.body.contains("s3cr3t") && !token.body.contains("code=abc") && !log.contains("s3cr3t") && !log.contains("code=abc"), "\(token.body)")
            #expect(token.body.contains("https://app.test/cb?…"), "\(token.body)")

            // A hop into another upstream counts against that upstream's rate, for the same caller.
            #expect(try airlock.gateway("/follower/v1/to-metered").status == 200)
            let metered = try airlock.gateway("/follower/v1/to-metered")
            #expect(metered.status == 429 && metered.reason == "rate_limited" && metered.body.contains("redirect to"), "\(metered.status) \(metered.body)")
            #expect(upstream.requests.filter { $0.uri == "/v1/metered" }.count == 1)
        }
    }

    /// A redirect chain shares the first upstream's `limits.timeout`: two hops of 700 ms each under a
    /// 1 s timeout are one call that took too long, not two calls that each took less.
    @Test func aRedirectChainSharesOneTimeout() async throws {
        let upstream = try await TestUpstream { request in
            switch request.uri {
            case "/v1/slow-1": return TestUpstream.Response(status: 302, headers: [("Location", "/v1/slow-2")], body: [], delayMs: 700)
            case "/v1/slow-2": return TestUpstream.Response(status: 302, headers: [("Location", "/v1/end")], body: [], delayMs: 700)
            default: return .json("{\"ok\":true}")
            }
        }
        let airlock = try await Harness(policy: """
            upstreams:
              chain:
                url: http://127.0.0.1:\(upstream.port)
                redirects: follow
                allow_addresses: [127.0.0.1/32]
                limits: { timeout: 1s }
            """)
        try await airlock.run(stopping: upstream) {
            let reply = try airlock.gateway("/chain/v1/slow-1")
            #expect(reply.status == 504 && reply.reason == "upstream_timeout", "\(reply.status) \(reply.body)")
            #expect(!upstream.requests.contains { $0.uri == "/v1/end" })
        }
    }

    @Test func garbageRequestsNeverTakeTheProxyDown() async throws {
        try await Self.run { airlock, upstream in
            var generator = SystemRandomNumberGenerator()
            let pieces = ["GET ", "CONNECT ", "POST ", "/api/v1/x", "http://", "127.0.0.1", ":", "\r\n", "\r\n\r\n", "Host: a",
                          "Content-Length: ", "Transfer-Encoding: chunked", "999999999999999999999", "\u{0}", "%00", " HTTP/1.1",
                          "\t", "..", "[::1]", "@", "\u{7f}", "é"]
            for _ in 0..<60 {
                var request = ""
                for _ in 0..<Int.random(in: 1...12, using: &generator) { request += pieces.randomElement(using: &generator)! }
                let answer = try await RawClient.exchange(port: airlock.port, bytes: request, timeoutMs: 300)
                #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 "), "\(request.debugDescription) -> \(answer.prefix(40))")
            }
            let still = try airlock.gateway("/api/v1/alive")
            #expect(still.status == 200)
            #expect(upstream.requests.allSatisfy { $0.uri.hasPrefix("/v1/") })
        }
    }

    @Test func ownListeningAddressIsNeverADestination() async throws {
        // The proxy's own port is refused even where allow_addresses admits 127.0.0.1.
        let listen = try freePort()
        let policy = """
            upstreams:
              self:
                url: http://127.0.0.1:\(listen)
                allow_addresses: [127.0.0.0/8]
            """
        let harness = try await Harness(policy: policy, listenPort: listen)
        let reply = try harness.gateway("/self/loop")
        await harness.stop()
        #expect(reply.status == 403)
        #expect(reply.reason == "address_forbidden")
    }
}
