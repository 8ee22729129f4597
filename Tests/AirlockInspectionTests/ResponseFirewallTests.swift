import AirlockInspection
import AirlockJSON
import AirlockPolicy
import AirlockTestSupport
import Foundation
import Testing

/// Response rules without a network: matching order, content checks, actions, compile errors.
@Suite struct ResponseFirewallTests {
    static let petstore = """
    openapi: 3.1.0
    info: { title: pets, version: "1" }
    servers:
      - url: https://pets.example/api/v2
    paths:
      /pets/{id}:
        get:
          responses:
            "200":
              description: a pet
              content:
                application/json:
                  schema: { $ref: "#/components/schemas/Pet" }
            "4XX":
              $ref: "#/components/responses/Problem"
      /pets/{id}/photo.{format}:
        get:
          responses:
            "200":
              description: a photo
              content:
                image/*: {}
      /pets/mine:
        get:
          responses:
            "200":
              description: my pets
              content:
                application/json:
                  schema: { type: array, items: { $ref: "#/components/schemas/Pet" } }
        delete:
          responses:
            "204": { description: gone }
    components:
      responses:
        Problem:
          description: an error
          content:
            application/problem+json:
              schema:
                type: object
                required: [title]
                properties: { title: { type: string } }
      schemas:
        Pet:
          type: object
          required: [id, name]
          properties:
            id: { type: integer }
            name: { type: string }
            tag: { type: [string, "null"] }
    """

    static let charge = """
    {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "required": ["id", "amount"],
     "properties": {"id": {"type": "string"}, "amount": {"type": "integer"}, "meta": {"$ref": "defs.json#/meta"}}}
    """
    static let defs = #"{"meta": {"type": "object", "properties": {"tag": {"type": "string"}}, "additionalProperties": false}}"#

    static func fixture() throws -> FirewallFixture {
        try FirewallFixture(policy: """
        upstreams:
          pets:
            url: https://pets.example
            methods: [GET, DELETE]
            unmatched: block
            responses:
              - match: { path: "/api/v2/**" }
                openapi: schemas/pets.yaml
          pay:
            url: https://pay.example
            responses:
              - match: { path: "/charges/*", status: [200] }
                schema: schemas/charge.json
              - match: { path: "/strip/*" }
                schema: schemas/charge.json
                on_violation: strip
              - match: { path: "/report/*" }
                schema: schemas/charge.json
                on_violation: report
              - match: { path: "/clean/*" }
                schema: schemas/charge.json
                sanitize: strip_unknown
              - match: { path: "/typed/*" }
                content_type: [application/json, "*/*+json"]
        """, files: ["schemas/pets.yaml": petstore, "schemas/charge.json": charge, "schemas/defs.json": defs])
    }

    @Test func openAPIRoutingByTemplateStatusAndMediaType() throws {
        let f = try Self.fixture()
        defer { f.remove() }
        let fw = try f.firewall()
        let pets = f.upstream("pets")
        #expect(fw.check(pets, "GET", "/api/v2/pets/7", body: #"{"id":7,"name":"Rex"}"#).decision == .pass)
        // /pets/mine is a concrete template: an array is expected there, not a pet.
        #expect(fw.check(pets, "GET", "/api/v2/pets/mine", body: #"[{"id":7,"name":"Rex"}]"#).decision == .pass)
        #expect(fw.check(pets, "GET", "/api/v2/pets/mine", body: #"{"id":7,"name":"Rex"}"#).denial?.reason == .schemaViolation)
        // 404 falls to 4XX, a $ref'd response with its own media type.
        #expect(fw.check(pets, "GET", "/api/v2/pets/9", status: 404, contentType: "application/problem+json", body: #"{"title":"no pet"}"#).decision == .pass)
        #expect(fw.check(pets, "GET", "/api/v2/pets/9", status: 404, body: #"{"title":"no pet"}"#).denial?.reason == .contentTypeMismatch)
        // Undeclared status: status_not_allowed.
        let teapot = fw.check(pets, "GET", "/api/v2/pets/9", status: 500, body: "{}")
        #expect(teapot.denial?.reason == .statusNotAllowed)
        #expect(teapot.denial?.detail.contains("200, 4XX") == true)
        // Template with a literal suffix; image/* matches image/png; no schema, no parse.
        #expect(fw.check(pets, "GET", "/api/v2/pets/7/photo.png", contentType: "image/png", body: "\u{89}PNG").decision == .pass)
        // 204 declared without content.
        #expect(fw.check(pets, "DELETE", "/api/v2/pets/mine", status: 204, contentType: nil, body: "").decision == .pass)
        // Paths outside the server base path are not operations.
        #expect(fw.check(pets, "GET", "/pets/7", body: #"{"id":7,"name":"Rex"}"#).decision == .deny)
    }

    @Test func unmatchedBlockRefusesResponsesNoRuleCovers() throws {
        let f = try Self.fixture()
        defer { f.remove() }
        let fw = try f.firewall()
        let verdict = fw.check(f.upstream("pets"), "GET", "/elsewhere", body: "{}")
        #expect(verdict.decision == .deny)
        #expect(verdict.denial?.reason == .statusNotAllowed)
        // pay has the default (unmatched: allow): untouched.
        let other = fw.check(f.upstream("pay"), "GET", "/elsewhere", body: "not json")
        #expect(other.decision == .pass)
        #expect(other.body == nil)
        #expect(other.rule == nil)
    }

    @Test func schemaRulesValidateAndCanonicalize() throws {
        let f = try Self.fixture()
        defer { f.remove() }
        let fw = try f.firewall()
        let pay = f.upstream("pay")
        let ok = fw.check(pay, "GET", "/charges/1", body: "{ \"id\" : \"ch_1\",\n \"amount\": 100, \"meta\": {\"tag\": \"\\u0041\"} }")
        #expect(ok.decision == .pass)
        #expect(ok.body.map { String(decoding: $0, as: UTF8.self) } == #"{"id":"ch_1","amount":100,"meta":{"tag":"A"}}"#)
        // The $ref into a second file was followed: meta allows no other properties.
        let bad = fw.check(pay, "GET", "/charges/1", body: #"{"id":"ch_1","amount":100,"meta":{"x":1}}"#)
        #expect(bad.denial?.reason == .schemaViolation)
        #expect(bad.location == "/meta/x")
        // Status 201 is not in the rule: the next rules do not match either, unmatched allows.
        #expect(fw.check(pay, "GET", "/charges/1", status: 201, body: "garbage").body == nil)
    }

    /// A document that costs a recursive schema more evaluations than one pass may make (see
    /// `ValidationBudgetTests`) is refused as a hostile payload, `json_limit_exceeded`.
    @Test func aDocumentThatExhaustsTheValidationBudgetIsALimit() throws {
        let f = try FirewallFixture(upstream: "pets", rules: "- match: { path: \"/**\" }\n  schema: pet.schema.json", files: ["pet.schema.json": HostileDocuments.recursiveOneOfSchema])
        defer { f.remove() }
        let fw = try f.firewall()
        let verdict = fw.check(f.upstream("pets"), "GET", "/x", body: HostileDocuments.nestedCats(30))
        #expect(verdict.decision == .deny && verdict.denial?.reason == .jsonLimitExceeded && verdict.keyword == "validation_budget", "\(verdict)")
        #expect(fw.check(f.upstream("pets"), "GET", "/x", body: #"{"children": [{"kind": "dog"}], "kind": "cat"}"#).decision == .pass)
    }

    @Test func stripReportAndSanitizeActions() throws {
        let f = try Self.fixture()
        defer { f.remove() }
        let fw = try f.firewall()
        let pay = f.upstream("pay")
        let extra = #"{"id":"ch_1","amount":100,"meta":{"tag":"a","secret":"x"},"debug":"db01"}"#
        let stripped = fw.check(pay, "GET", "/strip/1", body: extra)
        #expect(stripped.decision == .pass)
        #expect(stripped.body.map { String(decoding: $0, as: UTF8.self) } == #"{"id":"ch_1","amount":100,"meta":{"tag":"a"}}"#)
        #expect(stripped.note?.contains("strip") == true)
        // Stripping cannot fix a wrong type.
        #expect(fw.check(pay, "GET", "/strip/1", body: #"{"id":"ch_1","amount":"100"}"#).denial?.reason == .schemaViolation)
        // report: passes unchanged, with the violation.
        let reported = fw.check(pay, "GET", "/report/1", body: #"{"id":1}"#)
        #expect(reported.decision == .report)
        #expect(reported.body == nil)
        #expect(reported.denial?.reason == .schemaViolation)
        // sanitize strip_unknown on a valid body: undeclared top-level properties go too
        // (the root schema declares properties, so "debug" is unknown there).
        let clean = fw.check(pay, "GET", "/clean/1", body: #"{"id":"ch_1","amount":1,"debug":"db01"}"#)
        #expect(clean.body.map { String(decoding: $0, as: UTF8.self) } == #"{"id":"ch_1","amount":1}"#)
    }

    @Test(arguments: [
        ("text/html", "{}", "content_type_mismatch"),
        ("application/json; charset=iso-8859-1", "{}", "content_type_mismatch"),
        ("application/json", "<html>oops</html>", "content_type_mismatch"),
        ("application/json", #"{"a":1,"a":2}"#, "json_malformed"),
        ("application/json", #"{"a":"\ud800"}"#, "json_malformed"),   // a lone surrogate escape
        ("application/json", String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000), "json_limit_exceeded"),
        ("application/json", #"{"n":1e999999999}"#, "json_limit_exceeded"),
        ("application/json", "{\"n\":" + String(repeating: "9", count: 500) + ".5}", "json_limit_exceeded"),
        ("application/vnd.api+json; charset=UTF-8", #"{"a":1}"#, "pass"),
        ("application/problem+json", #"{"a":1}"#, "pass"),
    ])
    func contentChecksBeforeParsing(contentType: String, body: String, expected: String) throws {
        let f = try Self.fixture()
        defer { f.remove() }
        let fw = try f.firewall()
        let verdict = fw.check(f.upstream("pay"), "GET", "/typed/1", contentType: contentType, body: body)
        if expected == "pass" {
            #expect(verdict.decision == .pass)
        } else {
            #expect(verdict.decision == .deny)
            #expect(verdict.denial?.reason.rawValue == expected, "\(verdict.denial?.detail ?? "")")
        }
    }

    @Test func invalidUTF8BytesAreRefused() throws {
        let f = try Self.fixture()
        defer { f.remove() }
        let fw = try f.firewall()
        let body: [UInt8] = Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        let verdict = fw.inspect(InspectedResponse(upstream: f.upstream("pay"), method: "GET", subpath: "/typed/1", status: 200,
                                                   headers: [(name: "Content-Type", value: "application/json")], body: body))
        #expect(verdict.denial?.reason == .jsonMalformed)
        #expect(verdict.keyword == "utf8")
    }

    @Test func brokenSchemasAreReportedWithPolicyLineAndSchemaLocation() throws {
        let f = try FirewallFixture(upstream: "pay", rules: """
        - match: { path: "/a" }
          schema: broken.json
        - match: { path: "/b" }
          openapi: missing.yaml
        - match: { path: "/c" }
          schema: ok.json#/definitions/nope
        - match: { path: "/d" }
          schema: bad.xsd
        """, files: [
            "broken.json": ##"{"properties": {"x": {"$ref": "#/definitions/gone"}}}"##,
            "ok.json": #"{"definitions": {}}"#,
            "bad.xsd": "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'><xs:element name='a' type='nope'/></xs:schema>",
        ])
        defer { f.remove() }
        #expect(throws: PolicyErrors.self) { try f.firewall() }
        do {
            _ = try f.firewall()
        } catch let error as PolicyErrors {
            let text = error.errors.map(\.description)
            #expect(text.count == 4)
            #expect(text[0].contains("policy.yaml:7:") && text[0].contains("unresolvable $ref \"#/definitions/gone\"") && text[0].contains("broken.json"))
            #expect(text[1].contains("policy.yaml:9:") && text[1].contains("missing.yaml: cannot read schema file"))
            #expect(text[2].contains("policy.yaml:11:") && text[2].contains("/definitions/nope"))
            #expect(text[3].contains("policy.yaml:13:") && text[3].contains("bad.xsd"))
        }
    }

    @Test(arguments: [
        ("- match: { status: [700] }", "not a status"),
        ("- match: { path: \"/a\" }\n        schema: a.xsd\n        on_violation: strip", "strip needs a JSON Schema"),
        ("- match: { path: \"/a\" }\n        sanitize: strip_unknown", "strip_unknown needs"),
        ("- match: { path: \"/a\" }\n        schema: a.json\n        openapi: b.json", "either schema or openapi"),
        ("- match: { path: \"a\" }", "not a path pattern"),
        ("- match: { path: \"/a\", verbs: [GET] }", "unknown key 'verbs'"),
        ("- content_type: json", "not a media type"),
        ("- on_violation: drop", "block, strip or report"),
        ("- openapi: spec.json#/paths", "name the whole document"),
    ])
    func ruleMistakesAreLoadErrors(rule: String, message: String) throws {
        let yaml = "upstreams:\n  pay:\n    url: https://pay.example\n    responses:\n      \(rule)\n"
        do {
            _ = try FirewallFixture(policy: yaml)
            Issue.record("loaded: \(rule)")
        } catch let error as PolicyErrors {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test func yamlSchemasUseCoreSchemaTypingAndRefuseMergeKeys() throws {
        let f = try FirewallFixture(upstream: "geo", rules: """
        - match: { path: "/countries/*" }
          schema: country.yaml
        """, files: ["country.yaml": """
        type: object
        properties:
          code: { enum: [NO, SE, on] }
          number: { const: 0123 }
        """])
        defer { f.remove() }
        let fw = try f.firewall()
        let geo = f.upstream("geo")
        // YAML 1.1 would have made NO false and 0123 octal 83.
        #expect(fw.check(geo, "GET", "/countries/no", body: #"{"code":"NO","number":123}"#).decision == .pass)
        #expect(fw.check(geo, "GET", "/countries/no", body: #"{"code":false}"#).decision == .deny)
        #expect(fw.check(geo, "GET", "/countries/no", body: #"{"code":"on"}"#).decision == .pass)

        let merged = try FirewallFixture(upstream: "geo", rules: """
        - match: { path: "/countries/*" }
          schema: country.yaml
        """, files: ["country.yaml": """
        base: &base { type: object, required: [code] }
        country:
          <<: *base
          description: a country
        """])
        defer { merged.remove() }
        #expect(throws: PolicyErrors.self) { try merged.firewall() }
    }

    @Test func wildcardMediaTypesWithASchemaStillGetChecked() throws {
        let f = try FirewallFixture(upstream: "any", rules: """
        - match: { path: "/**" }
          openapi: any.json
        """, files: ["any.json": ##"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/things/{id}": {"get": {"responses": {"200": {"description": "a thing", "content": {"*/*": {"schema": {"type": "object", "required": ["id"]}}}}}}}}}"##])
        defer { f.remove() }
        let fw = try f.firewall()
        let any = f.upstream("any")
        #expect(fw.check(any, "GET", "/things/1", body: #"{"id":1}"#).decision == .pass)
        #expect(fw.check(any, "GET", "/things/1", body: #"{}"#).denial?.reason == .schemaViolation)
        #expect(fw.check(any, "GET", "/things/1", contentType: "text/plain", body: #"{}"#).denial?.reason == .contentTypeMismatch)
        #expect(fw.check(any, "GET", "/things/1", contentType: nil, body: #"{}"#).denial?.reason == .contentTypeMismatch)
    }

    @Test func sanitizeKeepsRequiredNamesAndValidatesWhatItHandsOver() throws {
        let f = try FirewallFixture(upstream: "pay", rules: """
        - match: { path: "/a" }
          schema: s.json
          sanitize: strip_unknown
        - match: { path: "/b" }
          schema: t.json
          sanitize: strip_unknown
        """, files: [
            "s.json": #"{"properties": {"a": {}}, "required": ["a", "b"]}"#,
            "t.json": #"{"properties": {"a": {}}, "minProperties": 2}"#,
        ])
        defer { f.remove() }
        let fw = try f.firewall()
        let pay = f.upstream("pay")
        let kept = fw.check(pay, "GET", "/a", body: #"{"a":1,"b":2,"c":3}"#)
        #expect(kept.body.map { String(decoding: $0, as: UTF8.self) } == #"{"a":1,"b":2}"#)
        // Stripping would leave one property where two are required: refused, not handed over broken.
        #expect(fw.check(pay, "GET", "/b", body: #"{"a":1,"c":3}"#).denial?.reason == .schemaViolation)
    }

    @Test func backtrackingPatternsAreRefusedAtLoad() throws {
        let f = try FirewallFixture(upstream: "mail", rules: """
        - match: { path: "/**" }
          schema: s.json
        """, files: ["s.json": ##"{"properties": {"email": {"type": "string", "pattern": "^([a-z0-9]+\\.?)+@x$"}}}"##])
        defer { f.remove() }
        do {
            _ = try f.firewall()
            Issue.record("a catastrophic pattern was accepted")
        } catch let error as PolicyErrors {
            #expect(error.description.contains("repeats a group"), "\(error.description)")
        }
    }

    @Test(arguments: [
        #"{"id":"ch_1","amount":100,"meta":{"tag":"A"}}"#,
        #"{"id":"ch_é✓","amount":-0,"n":1.50,"e":1E+2,"x":[true,false,null,{}],"u":"a b"}"#,
        #"{"id":"ch_1","amount":100,"s":"a\u0041b"}"#,
        "{ \"id\": \"ch_1\", \"amount\": 100 }",
        #"{"id":"ch_1","amount":100,"q":"say \"hi\""}"#,
    ])
    func compactBodiesAreHandedOverByteIdenticalToTheirCanonicalForm(body: String) throws {
        let f = try Self.fixture()
        defer { f.remove() }
        let fw = try f.firewall()
        let verdict = fw.check(f.upstream("pay"), "GET", "/charges/1", body: body)
        #expect(verdict.decision == .pass)
        let handedOver = verdict.body ?? Array(body.utf8)
        let canonical = JSONSerializer.serialize(try JSONParser().parse(Array(body.utf8)))
        #expect(handedOver == canonical, "\(String(decoding: handedOver, as: UTF8.self))")
    }

    @Test func schemasWithBacktrackingPatternsAreCheckedOffTheEventLoop() throws {
        let f = try FirewallFixture(policy: """
        upstreams:
          slow:
            url: https://slow.example
            responses:
              - match: { path: "/**" }
                schema: s.json
          fast:
            url: https://fast.example
            responses:
              - match: { path: "/**" }
                schema: t.json
        """, files: [
            "s.json": ##"{"properties": {"code": {"type": "string", "pattern": "^(foo|bar)-[0-9]+$"}}}"##,
            "t.json": ##"{"properties": {"code": {"type": "string", "pattern": "^[a-z]+-[0-9]+$"}}}"##,
        ])
        defer { f.remove() }
        let fw = try f.firewall()
        #expect(!fw.checksInline(upstream: "slow"))
        #expect(fw.checksInline(upstream: "fast"))
        #expect(fw.check(f.upstream("slow"), "GET", "/x", body: #"{"code":"foo-12"}"#).decision == .pass)
        #expect(fw.check(f.upstream("slow"), "GET", "/x", body: #"{"code":"baz-12"}"#).decision == .deny)
    }
}
