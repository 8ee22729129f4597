private import CAirlockXMLShim

/// A compiled XSD, loaded once and shared by every validation on any thread: compiling per document
/// would cost more than the validation. `xs:include`/`xs:import` resolve only to local files in the
/// schema's directory (or below); remote locations are refused, never fetched.
public final class XMLSchema: @unchecked Sendable {
    // @unchecked: the compiled xmlSchema is immutable after xmlSchemaParse; each validation creates
    // its own validation context, which libxml2 documents as the thread-safe way to share a schema.
    private let handle: OpaquePointer

    /// The schema file this was compiled from.
    public let path: String

    /// Compiles the XSD at `path`; a malformed or unresolvable schema throws with libxml2's messages.
    public init(contentsOf path: String) throws(XMLSchemaError) {
        var error: UnsafeMutablePointer<CChar>?
        guard let handle = airlock_xml_schema_load(path, &error) else {
            let message = error.map { String(cString: $0) } ?? "schema could not be compiled"
            airlock_xml_string_free(error)
            throw XMLSchemaError(path: path, message: message)
        }
        self.handle = handle
        self.path = path
    }

    deinit {
        airlock_xml_schema_free(handle)
    }

    /// Validates a parsed document; returns no violations when valid. At most `maxViolations` are
    /// kept (a 10 MB response with 100,000 bad items must not produce 100,000 messages).
    public func validate(_ document: ParsedXMLDocument, maxViolations: Int = 20) -> [XMLViolation] {
        var result = airlock_xml_violations()
        airlock_xml_validate(handle, document.handle, max(1, maxViolations), &result)
        defer { airlock_xml_violations_clear(&result) }
        guard let items = result.items else {
            return []
        }
        return UnsafeBufferPointer(start: items, count: result.count).map { item in
            XMLViolation(
                line: item.line,
                path: item.path.map { String(cString: $0) } ?? "/",
                message: item.message.map { String(cString: $0) } ?? "invalid"
            )
        }
    }
}
