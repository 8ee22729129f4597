import AirlockTestSupport
import Foundation
import Testing

/// The response firewall on Stripe's real OpenAPI document (read in place from ../shared), with a
/// loopback upstream serving Stripe's published fixtures: what a user protecting a Stripe
/// integration sees through the gateway.
@Suite(.serialized) struct StripeEndToEndTests {
    static let vendor = "vendors/stripe-openapi-2022-04-12"

    static func fixtures() throws -> [String: Any]? {
        guard let path = SharedData.path(vendor + "/fixtures3.json") else { return nil }
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        return try #require(root["resources"] as? [String: Any])
    }

    static func json(_ object: Any) throws -> [UInt8] {
        [UInt8](try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    @Test func fixturesPassAndViolationsAreBlocked() async throws {
        guard let spec = SharedData.path(Self.vendor + "/spec3.json"), let resources = try Self.fixtures() else { return }
        var badCharge = try #require(resources["charge"] as? [String: Any])
        badCharge["amount"] = "100"
        let jsonType = [("Content-Type", "application/json")]
        let answers: [String: TestUpstream.Response] = [
            "/v1/charges/ch_1": .init(headers: jsonType, body: try Self.json(try #require(resources["charge"]))),
            "/v1/customers/cus_1": .init(headers: jsonType, body: try Self.json(try #require(resources["customer"]))),
            "/v1/charges/ch_bad": .init(headers: jsonType, body: try Self.json(badCharge)),
            "/v1/charges/ch_gone": .init(status: 404, headers: jsonType, body: Array(#"{"error":{"type":"invalid_request_error","code":"resource_missing","message":"No such charge"}}"#.utf8)),
            "/v1/charges/ch_html": .init(headers: [("Content-Type", "text/html")], body: Array("<html>maintenance</html>".utf8)),
        ]
        let upstream = try await TestUpstream { request in
            answers[String(request.uri.prefix { $0 != "?" })] ?? .init(status: 500, headers: jsonType, body: Array("{}".utf8))
        }
        let internalServer = try await TestUpstream()
        let policy = """
        upstreams:
          stripe:
            url: http://127.0.0.1:\(upstream.port)
            allow_addresses: [127.0.0.1/32]
            methods: [GET, POST]
            paths: ["/v1/**"]
            responses:
              - match: { path: "/v1/**" }
                openapi: \(spec)
        """
        do {
            try await withAirlock(policy: policy) { airlock in
                for path in ["/stripe/v1/charges/ch_1", "/stripe/v1/customers/cus_1"] {
                    let reply = try airlock.gateway(path)
                    #expect(reply.status == 200, "\(path): \(reply.body.prefix(300))")
                    let event = try #require(airlock.auditEvent(for: reply))
                    #expect(event["decision"] as? String == "allow")
                    #expect(event["rule"] as? String == "stripe.responses[0]")
                }
                // Stripe's 404 is declared through `default` (the error object): passed.
                #expect(try airlock.gateway("/stripe/v1/charges/ch_gone").status == 404)

                let bad = try airlock.gateway("/stripe/v1/charges/ch_bad")
                #expect(bad.status == 502)
                #expect(bad.reason == "schema_violation")
                let event = try #require(airlock.auditEvent(for: bad))
                #expect(event["location"] as? String == "/amount")
                #expect(event["keyword"] as? String == "type")

                let html = try airlock.gateway("/stripe/v1/charges/ch_html")
                #expect(html.status == 502)
                #expect(html.reason == "content_type_mismatch")

                // A path the document has no operation for.
                let unknown = try airlock.gateway("/stripe/v1/no_such_resource")
                #expect(unknown.status == 502)
                #expect(unknown.reason == "status_not_allowed")
            }
        } catch {
            await upstream.stop()
            await internalServer.stop()
            throw error
        }
        #expect(internalServer.requests.isEmpty)
        await upstream.stop()
        await internalServer.stop()
    }
}
