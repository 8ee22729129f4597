import AirlockTestSupport
import Foundation
import Testing
@testable import AirlockJSON

/// Stripe OpenAPI 3.0 (2022-04-12): every fixture valid against `#/components/schemas/<name>`, mutations invalid.
@Suite struct StripeOpenAPITests {
    static let dir = "vendors/stripe-openapi-2022-04-12"
    static let specURI = "file:///stripe/spec3.json"

    /// (registry with the spec, parsed spec, fixtures by name), loaded once.
    static let data: (SchemaRegistry, JSONValue, JSONObject)? = {
        guard let root = SharedData.root,
              let specBytes = SharedData.bytes(root + "/" + dir + "/spec3.json"),
              let fixBytes = SharedData.bytes(root + "/" + dir + "/fixtures3.json"),
              let spec = try? JSONParser(limits: .init(maxDepth: 200)).parse(specBytes),
              let fixtures = try? JSONParser(limits: .init(maxDepth: 200)).parse(fixBytes),
              let resources = fixtures["resources"]?.objectValue else { return nil }
        var reg = SchemaRegistry()
        reg.register(spec, uri: specURI)
        return (reg, spec, resources)
    }()

    static func names() -> [String] { data?.2.map { $0.key } ?? [] }

    static func compile(_ name: String) throws -> CompiledSchema? {
        guard let (reg, spec, _) = data, let draft = SchemaDraft.forOpenAPIDocument(spec) else { return nil }
        return try CompiledSchema(uri: specURI + "#/components/schemas/" + name, registry: reg, defaultDraft: draft)
    }

    @Test func dataIsPresent() {
        guard SharedData.path(Self.dir + "/spec3.json") != nil else { return }
        #expect(Self.names().count == 115)
        #expect(Self.data.map { SchemaDraft.forOpenAPIDocument($0.1) } == .openAPI30)
    }

    @Test(arguments: names())
    func fixtureIsValidAndMutationsAreNot(_ name: String) throws {
        guard let (_, spec, fixtures) = Self.data, let fixture = fixtures[name],
              let schemaJSON = JSONPointer.resolve("/components/schemas/" + JSONPointer.escape(name), in: spec),
              let schema = try Self.compile(name) else {
            Issue.record("missing data for \(name)"); return
        }
        let result = schema.validate(fixture, options: .init(collectAll: true))
        #expect(result.isValid, "\(name): \(result.violations.prefix(5))")
        // What the proxy validates: the parser's tape of the bytes (not the tape built from a tree).
        func parsedIsValid(_ v: JSONValue) throws -> Bool {
            schema.isValid(try JSONParser().parseTape(JSONSerializer.serialize(v)))
        }
        #expect(try parsedIsValid(fixture), "\(name) from bytes")
        guard case let .object(entries) = fixture else { return }
        let props = schemaJSON["properties"]?.objectValue ?? []

        // Missing required property.
        if let req = schemaJSON["required"]?.arrayValue?.first?.stringValue {
            let mutated = JSONValue.object(JSONObject(entries.filter { $0.key != req }))
            let r = schema.validate(mutated)
            #expect(!r.isValid, "\(name): removing required \(req) should fail")
            #expect(try !parsedIsValid(mutated))
            #expect(r.violations.first?.keywordLocation.hasSuffix("required") == true)
        }
        // Wrong type: a non-nullable typed property set to an array.
        if let (key, _) = props.first(where: { p in
            p.value["nullable"]?.boolValue != true && ["string", "integer", "boolean"].contains(p.value["type"]?.stringValue ?? "")
                && entries[p.key] != nil
        }) {
            let mutated = JSONValue.object(JSONObject(entries.map { $0.key == key ? (key: key, value: JSONValue.array([])) : $0 }))
            let r = schema.validate(mutated)
            #expect(!r.isValid, "\(name): wrong type for \(key) should fail")
            #expect(try !parsedIsValid(mutated))
            #expect(r.violations.first?.instanceLocation == "/" + JSONPointer.escape(key))
        }
        // Enum violation.
        if let (key, _) = props.first(where: { p in p.value["enum"] != nil && entries[p.key] != nil }) {
            let mutated = JSONValue.object(JSONObject(entries.map { $0.key == key ? (key: key, value: JSONValue.string("zz-not-in-enum")) : $0 }))
            #expect(!schema.isValid(mutated), "\(name): enum violation on \(key) should fail")
            #expect(try !parsedIsValid(mutated))
        }
        // The whole document replaced by a scalar.
        #expect(!schema.isValid(.number(JSONNumber(42))))
    }

    @Test func openAPI30Semantics() throws {
        let schema = try JSONParser().parse("""
        {"type":"object","properties":{"n":{"type":"integer","nullable":true,"minimum":1,"exclusiveMinimum":true},
         "x-note":{"x-anything":1}},"x-vendor":{"type":"string"}}
        """)
        let c = try CompiledSchema(schema: schema, defaultDraft: .openAPI30)
        #expect(c.isValid(try JSONParser().parse(#"{"n":null}"#)))
        #expect(c.isValid(try JSONParser().parse(#"{"n":2}"#)))
        #expect(!c.isValid(try JSONParser().parse(#"{"n":1}"#)))
        #expect(!c.isValid(try JSONParser().parse(#"{"n":"a"}"#)))
    }
}
