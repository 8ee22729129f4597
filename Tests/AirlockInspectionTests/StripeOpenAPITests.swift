import AirlockInspection
import AirlockJSON
import AirlockPolicy
import AirlockTestSupport
import Foundation
import Testing

/// The response firewall on a real vendor document: Stripe's OpenAPI 3.0 spec (2022-04-12),
/// read in place from ../shared, with its published fixtures as upstream answers.
@Suite struct StripeOpenAPITests {
    static let vendor = "vendors/stripe-openapi-2022-04-12"

    static func fixture() throws -> (FirewallFixture, ResponseFirewall, [String: Any])? {
        guard let spec = SharedData.path(vendor + "/spec3.json"), let fixtures = SharedData.path(vendor + "/fixtures3.json") else { return nil }
        let f = try FirewallFixture(policy: """
        upstreams:
          stripe:
            url: https://api.stripe.com
            methods: [GET, POST, DELETE]
            responses:
              - match: { path: "/v1/**" }
                openapi: \(spec)
        """)
        let resources = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixtures))) as? [String: Any])
        return (f, try f.firewall(), try #require(resources["resources"] as? [String: Any]))
    }

    static func text(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    @Test func compilesEveryOperationOfTheDocument() throws {
        guard let (f, firewall, _) = try Self.fixture() else { return }
        defer { f.remove() }
        #expect(firewall.summary.documents == 1)
        #expect(firewall.summary.operations == 417)
        #expect(firewall.summary.documentSchemas == 834)
    }

    @Test(arguments: [
        ("GET", "/v1/charges/ch_1KnYOT", "charge"),
        ("POST", "/v1/charges/ch_1KnYOT/capture", "charge"),
        ("GET", "/v1/customers/cus_Lb", "customer"),
        ("GET", "/v1/balance", "balance"),
        ("GET", "/v1/payment_intents/pi_3Kn", "payment_intent"),
        ("POST", "/v1/refunds", "refund"),
    ])
    func fixtureAnswersPassTheirOperation(method: String, path: String, resource: String) throws {
        guard let (f, firewall, resources) = try Self.fixture() else { return }
        defer { f.remove() }
        let body = try Self.text(try #require(resources[resource]))
        let verdict = firewall.check(f.upstream("stripe"), method, path, body: body)
        #expect(verdict.decision == .pass, "\(verdict.denial?.detail ?? "")")
        #expect(verdict.rule == "stripe.responses[0]")
        // Handed over in canonical form: re-serialized, or the upstream's bytes when they already are exactly that.
        let handedOver = verdict.body ?? Array(body.utf8)
        #expect(handedOver == JSONSerializer.serialize(try JSONParser().parse(Array(body.utf8))))
    }

    @Test func concreteTemplateWinsOverParameter() throws {
        guard let (f, firewall, resources) = try Self.fixture() else { return }
        defer { f.remove() }
        // /v1/charges/search is a search_result list, not a charge: a charge there is a violation.
        let charge = try Self.text(try #require(resources["charge"]))
        let verdict = firewall.check(f.upstream("stripe"), "GET", "/v1/charges/search", body: charge)
        #expect(verdict.decision == .deny)
        #expect(verdict.denial?.reason == .schemaViolation)
    }

    @Test func violationsNameLocationKeywordAndRule() throws {
        guard let (f, firewall, resources) = try Self.fixture() else { return }
        defer { f.remove() }
        var charge = try #require(resources["charge"] as? [String: Any])
        charge["amount"] = "100"
        let wrongType = firewall.check(f.upstream("stripe"), "GET", "/v1/charges/ch_1", body: try Self.text(charge))
        #expect(wrongType.decision == .deny)
        #expect(wrongType.denial?.reason == .schemaViolation)
        #expect(wrongType.location == "/amount")
        #expect(wrongType.keyword == "type")
        #expect(wrongType.rule == "stripe.responses[0]")

        charge["amount"] = 100
        charge.removeValue(forKey: "currency")
        let missing = firewall.check(f.upstream("stripe"), "GET", "/v1/charges/ch_1", body: try Self.text(charge))
        #expect(missing.denial?.reason == .schemaViolation)
        #expect(missing.keyword == "required")
    }

    @Test func errorStatusesUseTheDefaultResponse() throws {
        guard let (f, firewall, _) = try Self.fixture() else { return }
        defer { f.remove() }
        let error = #"{"error":{"type":"invalid_request_error","message":"No such charge: 'ch_x'","code":"resource_missing"}}"#
        #expect(firewall.check(f.upstream("stripe"), "GET", "/v1/charges/ch_x", status: 404, body: error).decision == .pass)
        // A 404 whose body is not Stripe's error object is refused.
        let verdict = firewall.check(f.upstream("stripe"), "GET", "/v1/charges/ch_x", status: 404, body: #"{"error":"nope"}"#)
        #expect(verdict.denial?.reason == .schemaViolation)
    }

    @Test func undeclaredMediaTypeAndUnknownOperation() throws {
        guard let (f, firewall, _) = try Self.fixture() else { return }
        defer { f.remove() }
        let html = firewall.check(f.upstream("stripe"), "GET", "/v1/charges/ch_1", contentType: "text/html", body: "<html></html>")
        #expect(html.denial?.reason == .contentTypeMismatch)
        #expect(html.keyword == "content")
        let unknown = firewall.check(f.upstream("stripe"), "GET", "/v1/not_an_endpoint", body: "{}")
        #expect(unknown.denial?.reason == .statusNotAllowed)
        let wrongMethod = firewall.check(f.upstream("stripe"), "PUT", "/v1/charges/ch_1", body: "{}")
        #expect(wrongMethod.denial?.reason == .statusNotAllowed)
    }
}
