import AirlockPolicy
import AirlockTestSupport
import Foundation
import Testing

/// A policy reload (what SIGHUP does in `airlock serve`) on a running proxy: new requests follow
/// the new policy, also on connections opened before it; a call in flight finishes under its own;
/// concurrency slots carry over by upstream name; a policy that does not compile changes nothing.
@Suite(.serialized) struct PolicyReloadTests {
    static func policy(api: Int, paths: String, extra: String = "") -> String {
        """
        upstreams:
          api:
            url: http://127.0.0.1:\(api)
            paths: \(paths)
            allow_addresses: [127.0.0.1/32]
            limits: { concurrent_calls: 1 }
        \(extra)
        """
    }

    @Test func newRequestsFollowTheReloadedPolicyAndCallsInFlightKeepTheirs() async throws {
        let upstream = try await TestUpstream { request in
            request.uri.hasPrefix("/v1/slow") ? TestUpstream.Response(delayMs: 1500) : TestUpstream.Response()
        }
        do {
            try await Self.exercise(upstream)
        } catch {
            await upstream.stop()
            throw error
        }
        await upstream.stop()
    }

    static func exercise(_ upstream: TestUpstream) async throws {
        try await withAirlock(policy: Self.policy(api: upstream.port, paths: "[\"/v1/**\"]")) { airlock in
            // A keep-alive connection opened under the first policy.
            let kept = try BlockingClient(port: airlock.port)
            defer { kept.close() }
            try kept.send("GET /api/v1/a HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(kept.read(until: "}").hasPrefix("HTTP/1.1 200 OK"))

            // A call in flight, allowed by the first policy, holding api's only slot.
            let port = airlock.port
            async let slow = Task.detached { try RawClientBlocking.get(port: port, path: "/api/v1/slow") }.value
            try await Task.sleep(for: .milliseconds(300))

            let warnings = try airlock.reload(policy: Self.policy(api: upstream.port, paths: "[\"/v2/**\"]", extra: """
                  added:
                    url: http://127.0.0.1:\(upstream.port)/added
                    allow_addresses: [127.0.0.1/32]
                """))
            #expect(warnings.isEmpty, "\(warnings)")

            // The slot is still the call in flight's, under the reloaded policy too.
            let full = try airlock.gateway("/api/v2/x")
            #expect(full.status == 503 && full.reason == "concurrency_limit_exceeded")
            let slowAnswer = try await slow
            #expect(slowAnswer.hasPrefix("HTTP/1.1 200 OK"), "the call in flight was cut by the reload: \(slowAnswer.prefix(60))")

            // New requests, on the old connection too, follow the new policy.
            try kept.send("GET /api/v1/b HTTP/1.1\r\nHost: a\r\n\r\n")
            let refused = kept.read(until: "}}\n")
            #expect(refused.hasPrefix("HTTP/1.1 403 Forbidden") && refused.contains("Airlock-Reason: path_not_allowed"), "\(refused)")
            #expect(try airlock.gateway("/api/v2/x").status == 200)
            #expect(try airlock.gateway("/added/y").status == 200)
            #expect(upstream.requests.last?.uri == "/added/y")

            // A policy whose schema does not compile is refused, and the running one stays.
            let schema = airlock.folder.appendingPathComponent("broken.schema.json")
            try "{\"$ref\": \"#/definitions/nope\"}".write(to: schema, atomically: true, encoding: .utf8)
            #expect(throws: PolicyErrors.self) {
                _ = try airlock.reload(policy: Self.policy(api: upstream.port, paths: "[\"/v3/**\"]", extra: """
                      checked:
                        url: http://127.0.0.1:\(upstream.port)
                        allow_addresses: [127.0.0.1/32]
                        responses:
                          - schema: broken.schema.json
                    """))
            }
            #expect(try airlock.gateway("/api/v2/x").status == 200)
            #expect(try airlock.gateway("/api/v3/x").status == 403)
        }
    }
}

/// A one-shot GET on a blocking socket (for a call kept in flight on another thread).
enum RawClientBlocking {
    static func get(port: Int, path: String) throws -> String {
        let client = try BlockingClient(port: port)
        defer { client.close() }
        try client.send("GET \(path) HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        return String(decoding: client.readToEnd(), as: UTF8.self)
    }
}
