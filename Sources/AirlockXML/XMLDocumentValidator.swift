/// The entry point `airlock validate` and the response pipeline call: hardened parse, XSD validation
/// and sanitization in one step, answering with one `Outcome` that maps onto a reason code.
public struct XMLDocumentValidator: Sendable {
    /// The result for one document.
    public enum Outcome: Sendable, Hashable {
        /// Valid against the schema; `sanitized` is the UTF-8 re-serialization without comments, PIs or DOCTYPE.
        case valid(sanitized: [UInt8])
        /// Well formed but violates the schema (first violations, in document order).
        case invalid([XMLViolation])
        /// Not well-formed XML.
        case malformed(line: Int, column: Int, message: String)
        /// A refused construct (DOCTYPE, entity, XInclude, foreign encoding).
        case forbidden(XMLError.Construct)
        /// A resource limit was exceeded.
        case limit(XMLError.Limit)

        /// Stable reason code (PRODUCT.md): nil when valid, else `schema_violation`, `xml_malformed`,
        /// `xml_forbidden_construct` or `xml_limit_exceeded`.
        public var reason: String? {
            switch self {
            case .valid: nil
            case .invalid: "schema_violation"
            case .malformed: "xml_malformed"
            case .forbidden: "xml_forbidden_construct"
            case .limit: "xml_limit_exceeded"
            }
        }

        /// The text after `PATH: ` in `airlock validate` output: `valid` or `invalid: <location>: <message>`.
        public var summary: String {
            switch self {
            case .valid:
                "valid"
            case .invalid(let violations):
                "invalid: " + (violations.first?.description ?? "schema violation")
            case .malformed(let line, let column, let message):
                "invalid: line \(line), column \(column): \(message)"
            case .forbidden(let construct):
                "invalid: forbidden construct: \(construct)"
            case .limit(let limit):
                "invalid: limit exceeded: \(limit.rawValue)"
            }
        }

        /// Convenience for tests and the CLI exit code.
        public var isValid: Bool {
            if case .valid = self { true } else { false }
        }
    }

    /// The compiled schema, shared by every call.
    public let schema: XMLSchema
    /// The hardened parser configuration.
    public let parser: XMLDocumentParser
    /// How many violations an invalid document reports at most.
    public let maxViolations: Int

    /// Compiles `schemaFile` once; throws `XMLSchemaError` for a missing or malformed schema (exit code 2).
    public init(
        schemaFile: String,
        configuration: XMLDocumentParser.Configuration = .init(),
        maxViolations: Int = 20
    ) throws(XMLSchemaError) {
        self.init(
            schema: try XMLSchema(contentsOf: schemaFile),
            configuration: configuration,
            maxViolations: maxViolations
        )
    }

    /// Uses an already compiled schema (one schema, many policies or validators).
    public init(
        schema: XMLSchema,
        configuration: XMLDocumentParser.Configuration = .init(),
        maxViolations: Int = 20
    ) {
        self.schema = schema
        self.parser = XMLDocumentParser(configuration: configuration)
        self.maxViolations = maxViolations
    }

    /// Parses, validates and sanitizes one document; never throws, never crashes on any input.
    public func validate(bytes: [UInt8]) -> Outcome {
        let document: ParsedXMLDocument
        do {
            document = try parser.parse(bytes)
        } catch {
            switch error {
            case .malformed(let line, let column, let message):
                return .malformed(line: line, column: column, message: message)
            case .forbiddenConstruct(let construct):
                return .forbidden(construct)
            case .limitExceeded(let limit):
                return .limit(limit)
            }
        }
        let violations = schema.validate(document, maxViolations: maxViolations)
        guard violations.isEmpty else {
            return .invalid(violations)
        }
        return .valid(sanitized: document.sanitized())
    }
}
