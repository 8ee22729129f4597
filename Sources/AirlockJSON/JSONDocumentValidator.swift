import Foundation

/// The CLI's entry point (`airlock validate`): one schema loaded from disk, many documents judged as bytes.
public struct JSONDocumentValidator: Sendable {
    /// Behaviour switches for `validate(_:)`.
    public struct Options: Sendable, Equatable {
        /// Return the document re-serialized minus undeclared properties (`--strip-unknown`).
        public var stripUnknown: Bool
        /// Report every violation instead of the first (slower).
        public var collectAll: Bool
        /// Assert `format` instead of treating it as an annotation.
        public var formatAssertion: Bool
        /// Parser threat limits applied to each document.
        public var limits: JSONParser.Limits
        /// Force a dialect; nil picks OpenAPI's from an `openapi` document, else `$schema`, else 2020-12.
        public var draft: SchemaDraft?

        /// Builds options; defaults: no stripping, first error, format as annotation, default limits.
        public init(stripUnknown: Bool = false, collectAll: Bool = false, formatAssertion: Bool = false,
                    limits: JSONParser.Limits = .default, draft: SchemaDraft? = nil) {
            self.stripUnknown = stripUnknown
            self.collectAll = collectAll
            self.formatAssertion = formatAssertion
            self.limits = limits
            self.draft = draft
        }
    }

    /// The verdict on one document.
    public enum Outcome: Sendable, Equatable {
        /// Valid; `sanitized` holds canonical bytes minus unknown properties when stripping was asked.
        case valid(sanitized: [UInt8]?)
        /// Parsed but violates the schema.
        case invalid([Violation])
        /// Not acceptable JSON (syntax, encoding, duplicate keys or a threat limit).
        case malformed(JSONParseError)
    }

    /// The compiled schema (exposed for callers that already hold parsed values).
    public let schema: CompiledSchema
    /// The options in force.
    public let options: Options

    /// Loads `schemaFile` (and every `*.json` under `refDirectories` for `$ref`), then compiles the schema at
    /// `pointer` (e.g. `/components/schemas/charge`) once. Throws `SchemaError` naming the bad location.
    public init(schemaFile: String, pointer: String?, refDirectories: [String], options: Options) throws {
        var registry = SchemaRegistry()
        for dir in refDirectories { try registry.loadDirectory(dir) }
        let uri = try registry.loadFile(schemaFile)
        guard let document = registry.documents[uri] else {
            throw SchemaError(message: "schema file could not be registered", location: schemaFile)
        }
        let draft = options.draft ?? SchemaDraft.forOpenAPIDocument(document) ?? .draft2020_12
        var target = uri
        if let pointer, !pointer.isEmpty {
            guard pointer.hasPrefix("/") else {
                throw SchemaError(message: "pointer must start with \"/\"", location: pointer)
            }
            guard JSONPointer.resolve(pointer, in: document) != nil else {
                throw SchemaError(message: "pointer does not exist in the schema file", location: schemaFile + "#" + pointer)
            }
            target += "#" + pointer.replacingOccurrences(of: "%", with: "%25")
        }
        self.schema = try CompiledSchema(uri: target, registry: registry, defaultDraft: draft)
        self.options = options
    }

    /// Wraps an already compiled schema (lets many validators share one loaded registry).
    public init(schema: CompiledSchema, options: Options) {
        self.schema = schema
        self.options = options
    }

    /// Parses and validates one document (never throws, never crashes). The document is validated on its
    /// tape; a tree is built only to strip it.
    public func validate(_ bytes: [UInt8]) -> Outcome {
        let tape: JSONTape
        do {
            tape = try JSONParser(limits: options.limits).parseTape(bytes)
        } catch {
            return .malformed(error)
        }
        return validate(tape: tape)
    }

    /// Validates an already parsed value.
    public func validate(value: JSONValue) -> Outcome {
        validate(tape: JSONTape(value))
    }

    /// Validates a parsed document.
    public func validate(tape: JSONTape) -> Outcome {
        if !options.collectAll && schema.isValid(tape, formatAssertion: options.formatAssertion) {
            return sanitized(tape)
        }
        let result = schema.validate(tape, options: ValidationOptions(collectAll: options.collectAll,
                                                                      formatAssertion: options.formatAssertion))
        if result.isValid { return sanitized(tape) }
        return .invalid(result.violations)
    }

    /// A valid document's outcome: with `stripUnknown`, its declared part (invalid if deciding what is
    /// declared ran out of the validation budget).
    func sanitized(_ tape: JSONTape) -> Outcome {
        guard options.stripUnknown else { return .valid(sanitized: nil) }
        var pointers: [String] = []
        var count = 0
        guard let kept = Sanitizer(schema: schema).stripUnknown(tape, removedPointers: &pointers, removedCount: &count, limit: 0) else {
            return .invalid([.budgetExhausted(at: "#", budget: ValidationRun.budget(nodes: tape.nodeCount))])
        }
        return .valid(sanitized: JSONSerializer.serialize(kept))
    }
}
