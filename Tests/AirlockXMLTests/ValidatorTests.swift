import Foundation
import Testing

@testable import AirlockXML

/// The entry point `airlock validate` calls: one outcome per document, with reason codes.
@Suite struct ValidatorTests {
    @Test(arguments: [
        ("order_valid.xml", nil),
        ("order_invalid_price.xml", "schema_violation"),
        ("order_invalid_sku.xml", "schema_violation"),
    ] as [(String, String?)])
    func reportsOutcomeForOrders(_ document: String, _ reason: String?) throws {
        let validator = try XMLDocumentValidator(schemaFile: Fixture.path("order.xsd"))
        let outcome = validator.validate(bytes: try Fixture.bytes(document))
        #expect(outcome.reason == reason)
    }

    @Test func summarisesInvalidDocumentLikeTheJSONForm() throws {
        let validator = try XMLDocumentValidator(schemaFile: Fixture.path("order.xsd"))
        let outcome = validator.validate(bytes: try Fixture.bytes("order_invalid_price.xml"))
        #expect(outcome.summary.hasPrefix("invalid: /order/items/item[2]/price (line 13): Element '{urn:example:order}price'"))
    }

    @Test(arguments: [
        (AttackCorpusTests.billionLaughs, "xml_forbidden_construct"),
        ("<note><to>a</to>", "xml_malformed"),
        (String(repeating: "<note>", count: 300), "xml_limit_exceeded"),
        ("<note><to>a</to><body>b</body></note>", nil),
        ("<note><to>a</to></note>", "schema_violation"),
    ] as [(String, String?)])
    func mapsEveryRefusalToItsReason(_ xml: String, _ reason: String?) throws {
        let validator = try XMLDocumentValidator(schemaFile: Fixture.path("note.xsd"))
        #expect(validator.validate(bytes: [UInt8](xml: xml)).reason == reason)
    }

    /// Hints vendors send in good faith are ignored: never fetched, and the document stays valid.
    @Test func ignoresRemoteSchemaLocationAndStylesheetHints() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <?xml-stylesheet type="text/xsl" href="\(server.url)/style.xsl"?>
            <note xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  xsi:noNamespaceSchemaLocation="\(server.url)/note.xsd"><to>a</to><body>b</body></note>
            """
        let validator = try XMLDocumentValidator(schemaFile: Fixture.path("note.xsd"))
        let outcome = validator.validate(bytes: [UInt8](xml: xml))
        guard case .valid(let sanitized) = outcome else {
            Issue.record("expected valid, got \(outcome.summary)")
            return
        }
        #expect(!String(decoding: sanitized, as: UTF8.self).contains("xml-stylesheet"))

        let namespaced = String(decoding: try Fixture.bytes("order_valid.xml"), as: UTF8.self).replacingOccurrences(
            of: #"<order xmlns="urn:example:order""#,
            with: #"<order xmlns="urn:example:order" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:example:order \#(server.url)/order.xsd""#)
        let order = try XMLDocumentValidator(schemaFile: Fixture.path("order.xsd"))
        #expect(order.validate(bytes: [UInt8](xml: namespaced)).isValid)
        try await Task.sleep(for: .milliseconds(200))
        #expect(server.connections == 0)
    }

    @Test func refusesUnknownSchemaFile() {
        #expect(throws: XMLSchemaError.self) { try XMLDocumentValidator(schemaFile: "/nope.xsd") }
    }

    @Test func reportsLibxml2Version() {
        #expect(LibXML2Runtime.version.hasPrefix("2."))
    }
}
