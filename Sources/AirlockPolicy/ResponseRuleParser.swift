import AirlockCore
import Yams

/// Validates an upstream's `responses:` list into `ResponseRule`s (file types apart from the model).
enum ResponseRuleParser {
    static let keys: Set<String> = ["match", "content_type", "schema", "openapi", "on_violation", "sanitize"]
    static let matchKeys: Set<String> = ["path", "methods", "status"]

    static func parse(_ node: Node, upstream: String, reader: inout YAMLReader) -> [ResponseRule] {
        let ctx = "upstreams.\(upstream).responses"
        guard case .sequence(let sequence) = node else {
            reader.fail(node, "\(ctx) must be a list of rules (- match: ...)")
            return []
        }
        var rules: [ResponseRule] = []
        for (index, item) in sequence.enumerated() {
            if let rule = parseRule(item, id: "\(upstream).responses[\(index)]", context: "\(ctx)[\(index)]", reader: &reader) {
                rules.append(rule)
            }
        }
        return rules
    }

    static func parseRule(_ node: Node, id: String, context ctx: String, reader: inout YAMLReader) -> ResponseRule? {
        let errorsBefore = reader.errors.count
        var path: PathPattern?
        var methods: Set<String>?
        var statuses: [ClosedRange<Int>]?
        var contentTypes: [String]?
        var schema: (String, String?, Node)?
        var openapi: (String, Node)?
        var action = ResponseRule.Action.block
        var sanitize = ResponseRule.Sanitize.none
        var actionNode: Node?
        var sanitizeNode: Node?

        for (key, _, value) in reader.mapping(node, context: ctx, allowed: keys) {
            let kctx = "\(ctx).\(key)"
            switch key {
            case "match":
                for (mkey, _, mvalue) in reader.mapping(value, context: kctx, allowed: matchKeys) {
                    let mctx = "\(kctx).\(mkey)"
                    switch mkey {
                    case "path":
                        guard let text = reader.string(mvalue, context: mctx) else { continue }
                        if let pattern = PathPattern(text) {
                            path = pattern
                        } else {
                            reader.fail(mvalue, "\(mctx): '\(text)' is not a path pattern (must start with '/', '*' within a segment, '**' only as a whole segment)")
                        }
                    case "methods":
                        var set: Set<String> = []
                        for (text, item) in reader.strings(mvalue, context: mctx) {
                            let upper = text.uppercased()
                            if UpstreamParser.isToken(upper) { set.insert(upper) } else { reader.fail(item, "\(mctx): '\(text)' is not an HTTP method") }
                        }
                        // An empty list would match nothing, and the rule would pass every response unchecked.
                        if set.isEmpty { reader.fail(mvalue, "\(mctx) is empty: the rule would match nothing; remove the key to match every method") }
                        methods = set
                    default:
                        var ranges: [ClosedRange<Int>] = []
                        let items: [(String, Node)]
                        if case .scalar(let scalar) = mvalue { items = [(scalar.string, mvalue)] } else { items = reader.strings(mvalue, context: mctx) }
                        for (text, item) in items {
                            if let range = HTTPText.statusRange(text) { ranges.append(range) } else {
                                reader.fail(item, "\(mctx): '\(text)' is not a status (100-599) or a class like 2XX")
                            }
                        }
                        if items.isEmpty { reader.fail(mvalue, "\(mctx) is empty: the rule would match nothing; remove the key to match every status") }
                        statuses = ranges
                    }
                }
            case "content_type":
                let items: [(String, Node)]
                if case .scalar(let scalar) = value { items = [(scalar.string, value)] } else { items = reader.strings(value, context: kctx) }
                var types: [String] = []
                for (text, item) in items {
                    let lower = text.lowercased()
                    if isMediaType(lower) { types.append(lower) } else {
                        reader.fail(item, "\(kctx): '\(text)' is not a media type like application/json (no parameters)")
                    }
                }
                contentTypes = types
            case "schema":
                guard let text = reader.string(value, context: kctx) else { continue }
                let (file, pointer) = splitPointer(text)
                if let pointer, !pointer.isEmpty, !pointer.hasPrefix("/") {
                    reader.fail(value, "\(kctx): the part after '#' must be a JSON Pointer starting with '/', not '\(pointer)'")
                }
                schema = (PolicyLoader.resolve(file, relativeTo: reader.file), pointer.flatMap { $0.isEmpty ? nil : $0 }, value)
            case "openapi":
                guard let text = reader.string(value, context: kctx) else { continue }
                if text.contains("#") { reader.fail(value, "\(kctx): name the whole document; Airlock picks the schema from the operation, status and media type") }
                openapi = (PolicyLoader.resolve(text, relativeTo: reader.file), value)
            case "on_violation":
                actionNode = value
                if let a: ResponseRule.Action = reader.choice(value, context: kctx) { action = a }
            default:
                sanitizeNode = value
                if let s: ResponseRule.Sanitize = reader.choice(value, context: kctx) { sanitize = s }
            }
        }

        var body = ResponseRule.BodyCheck.none
        if schema != nil, let openapi {
            reader.fail(openapi.1, "\(ctx): give either schema or openapi, not both")
        } else if let schema {
            body = .schema(file: schema.0, pointer: schema.1)
            if body.isXSD, schema.1 != nil { reader.fail(schema.2, "\(ctx).schema: an XSD takes no '#' pointer") }
        } else if let openapi {
            body = .openapi(file: openapi.0)
        }
        let jsonSchema = body.file != nil && !body.isXSD
        if action == .strip, !jsonSchema {
            reader.fail(actionNode, "\(ctx).on_violation: strip needs a JSON Schema or OpenAPI document (it removes what the schema does not declare)")
        }
        if sanitize == .stripUnknown, !jsonSchema {
            reader.fail(sanitizeNode, "\(ctx).sanitize: strip_unknown needs a JSON Schema or OpenAPI document")
        }
        if let contentTypes, contentTypes.isEmpty { reader.fail(node, "\(ctx).content_type must not be empty") }
        guard reader.errors.count == errorsBefore else { return nil }
        return ResponseRule(
            id: id, path: path, methods: methods, statuses: statuses, contentTypes: contentTypes, body: body,
            onViolation: action, sanitize: sanitize, file: reader.file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
    }

    /// `type/subtype` with token characters, or a structured-suffix wildcard like `*/*+json`.
    static func isMediaType(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return parts.allSatisfy { !$0.isEmpty && UpstreamParser.isToken(String($0)) }
    }

    /// `file.json#/a/b` → (`file.json`, `/a/b`).
    static func splitPointer(_ text: String) -> (String, String?) {
        guard let hash = text.firstIndex(of: "#") else { return (text, nil) }
        return (String(text[..<hash]), String(text[text.index(after: hash)...]))
    }
}
