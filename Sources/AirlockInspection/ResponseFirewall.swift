import AirlockCore
import AirlockJSON
import AirlockPolicy
import AirlockXML
import Foundation

/// Every upstream's `responses:` rules with their schemas compiled: built once at policy load
/// (by `airlock serve` and `airlock check`), then shared read-only by every request.
public final class ResponseFirewall: Sendable {
    enum Check: Sendable {
        case none
        case json(CompiledSchema)
        case xsd(XMLDocumentValidator)
        case openapi(OpenAPIDocument)
    }

    struct CompiledRule: Sendable {
        let rule: ResponseRule
        let check: Check
    }

    let rules: [String: [CompiledRule]]
    /// Upstreams with a rule whose schema has a `pattern` on the backtracking engine: their responses are
    /// validated on the inspection pool whatever their size, never on an event loop.
    let offloaded: Set<String>
    /// How many rules, schemas and OpenAPI operations were compiled (for the startup line and `check`).
    public let summary: Summary

    /// Counts for people: what the policy's response rules compiled to.
    public struct Summary: Sendable, CustomStringConvertible {
        /// Response rules across all upstreams.
        public var rules = 0
        /// JSON Schemas and XSDs compiled for `schema:` rules.
        public var schemas = 0
        /// OpenAPI documents compiled.
        public var documents = 0
        /// Operations in those documents.
        public var operations = 0
        /// Response schemas compiled from those documents.
        public var documentSchemas = 0

        /// "3 response rule(s); 2 schema(s); 1 OpenAPI document(s) with 417 operations, 834 response schemas".
        public var description: String {
            var text = "\(rules) response rule(s)"
            if schemas > 0 { text += ", \(schemas) schema(s)" }
            if documents > 0 { text += ", \(documents) OpenAPI document(s) with \(operations) operations and \(documentSchemas) response schemas" }
            return text
        }
    }

    /// Loads and compiles every schema and OpenAPI document the policy names; every problem is
    /// reported with the policy file and line of its rule and the location inside the schema.
    public init(policy: Policy) throws(PolicyErrors) {
        var errors: [PolicyError] = []
        var compiled: [String: [CompiledRule]] = [:]
        var offloaded: Set<String> = []
        var summary = Summary()
        var cache = Cache()
        for upstream in policy.upstreams where !upstream.responses.isEmpty {
            var list: [CompiledRule] = []
            for rule in upstream.responses {
                summary.rules += 1
                do {
                    let check = try cache.check(for: rule.body, summary: &summary)
                    list.append(CompiledRule(rule: rule, check: check))
                    switch check {
                    case .json(let schema) where schema.usesRegexFallback: offloaded.insert(upstream.name)
                    case .openapi(let document) where document.usesRegexFallback: offloaded.insert(upstream.name)
                    default: break
                    }
                } catch {
                    errors.append(PolicyError(file: rule.file, line: rule.line, column: rule.column, message: "\(rule.id): \(error)"))
                }
            }
            compiled[upstream.name] = list
        }
        guard errors.isEmpty else { throw PolicyErrors(errors) }
        rules = compiled
        self.offloaded = offloaded
        self.summary = summary
    }

    /// Files compiled once however many rules name them.
    struct Cache {
        var openapi: [String: OpenAPIDocument] = [:]
        var json: [String: (SchemaSet, String)] = [:]
        var xsd: [String: XMLDocumentValidator] = [:]

        mutating func check(for body: ResponseRule.BodyCheck, summary: inout Summary) throws -> Check {
            switch body {
            case .none:
                return .none
            case .openapi(let file):
                if let known = openapi[file] { return .openapi(known) }
                var registry = SchemaRegistry()
                let uri = try registry.loadFileWithReferences(file, decode: SchemaFiles.decode)
                let document = try OpenAPIDocument(uri: uri, registry: registry, refusingBacktrackingPatterns: true)
                openapi[file] = document
                summary.documents += 1
                summary.operations += document.operationCount
                summary.documentSchemas += document.schemaCount
                return .openapi(document)
            case .schema(let file, _) where body.isXSD:
                if let known = xsd[file] { return .xsd(known) }
                let validator = try XMLDocumentValidator(schemaFile: file)
                xsd[file] = validator
                summary.schemas += 1
                return .xsd(validator)
            case .schema(let file, let pointer):
                let (set, uri): (SchemaSet, String)
                if let known = json[file] {
                    (set, uri) = known
                } else {
                    var registry = SchemaRegistry()
                    uri = try registry.loadFileWithReferences(file, decode: SchemaFiles.decode)
                    guard let document = registry.document(at: uri) else { throw SchemaError(message: "cannot read schema file", location: file) }
                    set = SchemaSet(registry: registry, defaultDraft: SchemaDraft.forOpenAPIDocument(document) ?? .draft2020_12,
                                    refusingBacktrackingPatterns: true)
                    json[file] = (set, uri)
                }
                var target = uri
                if let pointer {
                    guard let document = set.registry.document(at: uri), JSONPointer.resolve(pointer, in: document) != nil else {
                        throw SchemaError(message: "pointer does not exist in the schema file", location: file + "#" + pointer)
                    }
                    target += "#" + OpenAPIDocument.fragmentEscape(pointer)
                }
                summary.schemas += 1
                return .json(try set.compile(uri: target))
            }
        }
    }
}
