import Foundation
import Testing
@testable import AirlockJSON

/// Canonical serializer round-trips and `strip_unknown`.
@Suite struct SanitizerTests {
    func parse(_ s: String) throws -> JSONValue { try JSONParser().parse(s) }

    @Test(arguments: [
        #"{"b":1,"a":[true,false,null],"c":{"d":"e"}}"#,
        #"[1.50,-0,1E+2,123456789012345678901234567890,0.1e-7]"#,
        #"{"s":"quote\" back\\ nl\n tab\t ctl\u0001 uni é 😀 \/"}"#,
        #""""#, "[]", "{}", "null",
    ])
    func roundTrip(_ text: String) throws {
        let v = try parse(text)
        let bytes = JSONSerializer.serialize(v)
        let again = try JSONParser().parse(bytes)
        #expect(again == v)
        #expect(JSONSerializer.serialize(again) == bytes, "canonical output is a fixed point")
    }

    @Test func minimalEscapesAndExactNumbers() throws {
        let v = try parse(#"{"z":1.50,"a":"\u00e9\/\u0007","n":1E+2}"#)
        #expect(JSONSerializer.string(v) == "{\"z\":1.50,\"a\":\"é/\\u0007\",\"n\":1E+2}")
    }

    @Test func stripsUndeclaredProperties() throws {
        let schema = try parse("""
        {"$defs":{"addr":{"type":"object","properties":{"city":{"type":"string"}}}},
         "type":"object",
         "properties":{"id":{"type":"string"},"home":{"$ref":"#/$defs/addr"},
                       "tags":{"type":"array","items":{"properties":{"k":{}}}},
                       "meta":{"type":"object","additionalProperties":{"type":"string"}},
                       "free":{}},
         "patternProperties":{"^x_":{}},
         "anyOf":[{"properties":{"kind":{"const":"a"},"a_only":{}}},{"properties":{"kind":{"const":"b"},"b_only":{}}}]}
        """)
        let c = try CompiledSchema(schema: schema)
        let doc = try parse("""
        {"id":"1","secret":"s","home":{"city":"P","zip":"75"},"tags":[{"k":1,"v":2}],"meta":{"m":"x"},
         "free":{"anything":{"deep":1}},"x_ok":1,"kind":"a","a_only":1,"b_only":2}
        """)
        #expect(c.isValid(doc))
        let out = try #require(Sanitizer(schema: c).stripUnknown(doc))
        let expected = try parse("""
        {"id":"1","home":{"city":"P"},"tags":[{"k":1}],"meta":{"m":"x"},
         "free":{"anything":{"deep":1}},"x_ok":1,"kind":"a","a_only":1}
        """)
        #expect(out == expected, "\(JSONSerializer.string(out))")
        #expect(c.isValid(out))
    }

    @Test func documentValidatorEndToEnd() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-json-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let refs = dir.appendingPathComponent("refs")
        try FileManager.default.createDirectory(at: refs, withIntermediateDirectories: true)
        try #"{"$id":"https://example.com/money.json","type":"integer","minimum":0}"#
            .write(to: refs.appendingPathComponent("money.json"), atomically: true, encoding: .utf8)
        let schemaPath = dir.appendingPathComponent("api.json")
        try #"{"openapi":"3.0.0","components":{"schemas":{"charge":{"type":"object","required":["amount"],"properties":{"amount":{"$ref":"https://example.com/money.json"},"note":{"type":"string","nullable":true}}}}}}"#
            .write(to: schemaPath, atomically: true, encoding: .utf8)
        let v = try JSONDocumentValidator(schemaFile: schemaPath.path, pointer: "/components/schemas/charge",
                                          refDirectories: [refs.path], options: .init(stripUnknown: true))
        #expect(v.validate(Array(#"{"amount":5,"note":null,"extra":1}"#.utf8))
                == .valid(sanitized: Array(#"{"amount":5,"note":null}"#.utf8)))
        guard case let .invalid(violations) = v.validate(Array(#"{"amount":-1}"#.utf8)) else {
            Issue.record("expected invalid"); return
        }
        #expect(violations.first?.instanceLocation == "/amount")
        #expect(violations.first?.keywordLocation.hasSuffix("minimum") == true)
        guard case let .malformed(e) = v.validate(Array(#"{"amount":1,"amount":2}"#.utf8)) else {
            Issue.record("expected malformed"); return
        }
        #expect(e.kind == .duplicateKey("amount"))
        #expect(throws: SchemaError.self) {
            _ = try JSONDocumentValidator(schemaFile: schemaPath.path, pointer: "/components/schemas/nope",
                                          refDirectories: [], options: .init())
        }
    }

    @Test func collectAllReportsEveryViolation() throws {
        let c = try CompiledSchema(schema: try parse(#"{"properties":{"a":{"type":"string"},"b":{"minimum":3}},"required":["c"]}"#))
        let r = c.validate(try parse(#"{"a":1,"b":2}"#), options: .init(collectAll: true))
        #expect(r.violations.count == 3)
        #expect(Set(r.violations.map(\.instanceLocation)) == ["", "/a", "/b"])
        #expect(c.validate(try parse(#"{"a":1,"b":2}"#)).violations.count == 1)
    }

    @Test func referenceLoopsFailCleanly() throws {
        for text in [##"{"$ref":"#"}"##, ##"{"allOf":[{"$ref":"#"}]}"##, ##"{"$defs":{"a":{"$ref":"#/$defs/b"},"b":{"$ref":"#/$defs/a"}},"$ref":"#/$defs/a"}"##] {
            let c = try CompiledSchema(schema: try parse(text))
            let r = c.validate(.null)
            #expect(!r.isValid)
            #expect(r.violations.first?.message.contains("deeper") == true)
        }
    }

    @Test func mutatedDocumentsNeverCrash() throws {
        let seed = Array(#"{"a":[1,2.5e3,-0,"x\u00e9\ud83d\ude00",{"b":null,"c":true}],"d":"\n"}"#.utf8)
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array(#"{}[]:,"\-+.eE0123456789tfnu \#u{80}\#u{ff}"#.utf8)
        var parsed = 0
        for _ in 0..<3000 {
            var b = seed
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let i = Int.random(in: 0..<b.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: b[i] = alphabet.randomElement(using: &rng) ?? 0
                case 1: b.remove(at: i)
                default: b.insert(alphabet.randomElement(using: &rng) ?? 0, at: i)
                }
                if b.isEmpty { b = [0x20] }
            }
            if let v = try? JSONParser().parse(b) {
                parsed += 1
                #expect(try JSONParser().parse(JSONSerializer.serialize(v)) == v)
            }
        }
        #expect(parsed >= 0)
    }

    @Test func malformedSchemaNamesTheLocation() throws {
        do {
            _ = try CompiledSchema(schema: try parse(#"{"properties":{"a":{"minLength":-1}}}"#))
            Issue.record("should fail")
        } catch let error as SchemaError {
            #expect(error.location.hasSuffix("/properties/a/minLength"))
        }
        #expect(throws: SchemaError.self) { _ = try CompiledSchema(schema: try parse(##"{"$ref":"#/nowhere"}"##)) }
    }
}
