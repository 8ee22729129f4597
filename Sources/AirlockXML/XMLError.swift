/// Why a document was refused; `reason` gives the stable Airlock code (PRODUCT.md) for responses and audit.
public enum XMLError: Error, Sendable, Hashable {
    /// Not well-formed XML (or not namespace-well-formed), with libxml2's position and message.
    case malformed(line: Int, column: Int, message: String)
    /// A construct that enables entity expansion, external fetches or decoder confusion.
    case forbiddenConstruct(Construct)
    /// A resource limit from `XMLLimits` was exceeded.
    case limitExceeded(Limit)

    /// Constructs refused outright: each is the entry point of a known XML attack.
    public enum Construct: Sendable, Hashable, CustomStringConvertible {
        /// `<!DOCTYPE>`: carries billion laughs, quadratic blowup, XXE, parameter entities, external DTDs.
        case doctype
        /// `<!ENTITY>` (general, parameter or unparsed): entity expansion and XXE.
        case entityDeclaration
        /// A reference to a non-predefined entity: only meaningful with a DTD, never substituted.
        case entityReference
        /// `xi:include`: pulls files or URLs into the document.
        case xinclude
        /// A declared or detected encoding other than UTF-8/UTF-16 (UTF-7, EBCDIC...): filter-evasion tricks.
        case encoding(String)

        /// Short human label, used in messages.
        public var description: String {
            switch self {
            case .doctype: "DOCTYPE"
            case .entityDeclaration: "entity declaration"
            case .entityReference: "entity reference"
            case .xinclude: "XInclude"
            case .encoding(let name): "encoding \(name)"
            }
        }
    }

    /// Which limit of `XMLLimits` was exceeded.
    public enum Limit: String, Sendable, Hashable, CaseIterable {
        /// `XMLLimits.maxBytes`.
        case bytes
        /// `XMLLimits.maxDepth`.
        case depth
        /// `XMLLimits.maxElements`.
        case elements
        /// `XMLLimits.maxAttributesPerElement`.
        case attributesPerElement = "attributes_per_element"
        /// `XMLLimits.maxTextLength`.
        case textLength = "text_length"
        /// `XMLLimits.maxNamespaceDeclarations`.
        case namespaceDeclarations = "namespace_declarations"
    }

    /// Stable reason code: `xml_malformed`, `xml_forbidden_construct` or `xml_limit_exceeded`.
    public var reason: String {
        switch self {
        case .malformed: "xml_malformed"
        case .forbiddenConstruct: "xml_forbidden_construct"
        case .limitExceeded: "xml_limit_exceeded"
        }
    }

    /// One-line human summary for CLI output and audit `detail`.
    public var summary: String {
        switch self {
        case .malformed(let line, let column, let message): "\(line):\(column): \(message)"
        case .forbiddenConstruct(let construct): "forbidden construct: \(construct)"
        case .limitExceeded(let limit): "limit exceeded: \(limit.rawValue)"
        }
    }
}
