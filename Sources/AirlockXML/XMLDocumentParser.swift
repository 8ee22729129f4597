private import CAirlockXMLShim

/// Parses untrusted XML with libxml2 so that nothing outside the document is ever loaded and every
/// resource is bounded: the defence against billion laughs, XXE, external DTDs and parser DoS.
public struct XMLDocumentParser: Sendable {
    /// How strict the parser is; the defaults refuse every DTD.
    public struct Configuration: Sendable, Hashable {
        /// Resource limits, each reported as its own `XMLError.Limit`.
        public var limits: XMLLimits
        /// Tolerates a bare `<!DOCTYPE name [PUBLIC|SYSTEM "..."]>` (never fetched); an internal subset is still refused.
        public var allowsDoctype: Bool

        /// Defaults: `XMLLimits()` and no DOCTYPE at all.
        public init(limits: XMLLimits = XMLLimits(), allowsDoctype: Bool = false) {
            self.limits = limits
            self.allowsDoctype = allowsDoctype
        }
    }

    /// The configuration every parse uses.
    public let configuration: Configuration

    /// Creates a parser; libxml2 is initialised once per process on first use.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Parses `bytes` (UTF-8 or UTF-16) into a document, or says precisely why it was refused.
    public func parse(_ bytes: [UInt8]) throws(XMLError) -> ParsedXMLDocument {
        var limits = cLimits
        var outcome = airlock_xml_outcome()
        let handle = bytes.withUnsafeBufferPointer { buffer in
            airlock_xml_parse(buffer.baseAddress, buffer.count, &limits, &outcome)
        }
        defer { airlock_xml_outcome_clear(&outcome) }
        if let handle {
            return ParsedXMLDocument(handle: handle, inputLength: bytes.count)
        }
        throw Self.error(from: outcome)
    }

    private var cLimits: airlock_xml_limits {
        let limits = configuration.limits
        return airlock_xml_limits(
            max_bytes: UInt64(clamping: limits.maxBytes),
            max_depth: UInt64(clamping: limits.maxDepth),
            max_elements: UInt64(clamping: limits.maxElements),
            max_attributes: UInt64(clamping: limits.maxAttributesPerElement),
            max_text_length: UInt64(clamping: limits.maxTextLength),
            max_namespaces: UInt64(clamping: limits.maxNamespaceDeclarations),
            allow_doctype: configuration.allowsDoctype ? 1 : 0
        )
    }

    /// The one place where the shim's status codes become `XMLError`s.
    private static func error(from outcome: airlock_xml_outcome) -> XMLError {
        switch Int(outcome.status) {
        case AIRLOCK_XML_FORBIDDEN:
            return .forbiddenConstruct(construct(outcome))
        case AIRLOCK_XML_LIMIT:
            return .limitExceeded(limit(outcome.detail))
        default:
            let message = outcome.message.map { String(cString: $0) } ?? "document is not well formed"
            return .malformed(line: outcome.line, column: outcome.column, message: message)
        }
    }

    private static func construct(_ outcome: airlock_xml_outcome) -> XMLError.Construct {
        switch Int(outcome.detail) {
        case AIRLOCK_XML_FORBID_ENTITY_DECLARATION: .entityDeclaration
        case AIRLOCK_XML_FORBID_ENTITY_REFERENCE: .entityReference
        case AIRLOCK_XML_FORBID_XINCLUDE: .xinclude
        case AIRLOCK_XML_FORBID_ENCODING:
            .encoding(outcome.encoding.map { String(cString: $0) } ?? "unknown")
        default: .doctype
        }
    }

    private static func limit(_ detail: Int32) -> XMLError.Limit {
        switch Int(detail) {
        case AIRLOCK_XML_LIMIT_DEPTH: .depth
        case AIRLOCK_XML_LIMIT_ELEMENTS: .elements
        case AIRLOCK_XML_LIMIT_ATTRIBUTES: .attributesPerElement
        case AIRLOCK_XML_LIMIT_TEXT: .textLength
        case AIRLOCK_XML_LIMIT_NAMESPACES: .namespaceDeclarations
        default: .bytes
        }
    }
}
