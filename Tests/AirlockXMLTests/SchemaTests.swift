import Foundation
import Testing

@testable import AirlockXML

/// XSD compilation (local include/import only) and violations with line, path and message.
@Suite struct SchemaTests {
    func violations(_ schema: String, _ document: String) throws -> [XMLViolation] {
        let parsed = try XMLDocumentParser().parse(try Fixture.bytes(document))
        return try Fixture.schema(schema).validate(parsed)
    }

    @Test(arguments: [("order.xsd", "order_valid.xml"), ("soap-envelope.xsd", "soap_valid.xml")])
    func acceptsValidDocuments(_ schema: String, _ document: String) throws {
        #expect(try violations(schema, document).isEmpty)
    }

    @Test func reportsPathLineAndMessageForNamespacedOrder() throws {
        let found = try violations("order.xsd", "order_invalid_price.xml")
        #expect(found.count == 1)
        #expect(found.first?.path == "/order/items/item[2]/price")
        #expect(found.first?.line == 13)
        #expect(found.first?.message.contains("'twenty' is not a valid value of the atomic type 'xs:decimal'") == true)
    }

    @Test func reportsAttributeViolationFromIncludedType() throws {
        let found = try violations("order.xsd", "order_invalid_sku.xml")
        #expect(found.first?.path == "/order/items/item/@sku")
        #expect(found.first?.line == 5)
    }

    @Test func reportsViolationInImportedNamespace() throws {
        let found = try violations("soap-envelope.xsd", "soap_invalid_status.xml")
        #expect(found.first?.path == "/soap:Envelope/soap:Body/pay:PaymentResponse/pay:Status")
        #expect(found.first?.message.contains("MAYBE") == true)
        #expect(found.first?.line == 7)
    }

    @Test func capsTheNumberOfViolations() throws {
        let items = (0..<500).map { "<item sku=\"ABC-\(String(format: "%04d", $0))\"><name>n</name><quantity>0</quantity><price>1</price></item>" }
        let xml = "<order xmlns=\"urn:example:order\" id=\"x\"><customer>c</customer><items>\(items.joined())</items></order>"
        let document = try XMLDocumentParser().parse([UInt8](xml: xml))
        let found = try Fixture.schema("order.xsd").validate(document, maxViolations: 5)
        #expect(found.count == 5)
        #expect(found[4].path == "/order/items/item[5]/quantity")
    }

    @Test func refusesMalformedSchemaWithClearMessage() {
        #expect {
            try Fixture.schema("broken.xsd")
        } throws: { error in
            let message = (error as? XMLSchemaError)?.message ?? ""
            return message.contains("broken.xsd:4") && message.contains("mismatch")
        }
    }

    @Test func refusesSchemaWithUnresolvedType() {
        #expect {
            try Fixture.schema("unresolved.xsd")
        } throws: { error in
            (error as? XMLSchemaError)?.message.contains("NoSuchType") == true
        }
    }

    @Test func refusesMissingSchemaFile() {
        #expect(throws: XMLSchemaError.self) { try XMLSchema(contentsOf: "/nonexistent/x.xsd") }
    }

    @Test func refusesIncludeOutsideTheSchemaDirectory() {
        #expect(throws: XMLSchemaError.self) { try Fixture.schema("outside/escape.xsd") }
    }

    @Test func neverFetchesRemoteImportsOrIncludes() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("airlock-xsd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let schema = """
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
              <xs:import namespace="urn:remote" schemaLocation="\(server.url)/remote.xsd"/>
              <xs:include schemaLocation="\(server.url)/included.xsd"/>
              <xs:element name="a" type="xs:string"/>
            </xs:schema>
            """
        let path = directory.appendingPathComponent("remote.xsd").path
        try Data(schema.utf8).write(to: URL(fileURLWithPath: path))
        _ = try? XMLSchema(contentsOf: path)
        try await Task.sleep(for: .milliseconds(200))
        #expect(server.connections == 0)
    }

    @Test func sharesOneSchemaAcrossThreads() async throws {
        let schema = try Fixture.schema("order.xsd")
        let valid = try Fixture.bytes("order_valid.xml")
        let invalid = try Fixture.bytes("order_invalid_price.xml")
        let validator = XMLDocumentValidator(schema: schema)
        let results = await withTaskGroup(of: (Bool, Bool).self) { group in
            for index in 0..<200 {
                group.addTask {
                    let even = index.isMultiple(of: 2)
                    return (even, validator.validate(bytes: even ? valid : invalid).isValid)
                }
            }
            var all: [(Bool, Bool)] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 200)
        #expect(results.allSatisfy { $0.0 == $0.1 })
    }
}
