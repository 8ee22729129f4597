import Foundation

/// Where a (sub)schema lives: its JSON, the resource (base URI) it belongs to, and its dialect.
struct SchemaLocation {
    let value: JSONValue
    /// Absolute URI (no fragment) of the enclosing schema resource.
    let base: String
    /// JSON pointer from the enclosing resource root.
    let resourcePointer: String
    /// Dialect in force here.
    let draft: SchemaDraft
    /// False when a custom meta-schema drops the validation vocabulary.
    let validationVocabulary: Bool
    /// True when this subschema starts a new resource (`$id` or document root).
    let isResourceRoot: Bool

    /// Identity used to memoize compiled nodes.
    var key: String { base + "#" + resourcePointer }

    /// Applies the subschema's own `$schema` and `$id` to the context inherited from its parent.
    static func enter(_ value: JSONValue, base: String, pointer: String, draft parentDraft: SchemaDraft,
                      validationVocabulary parentVocab: Bool, registry: SchemaRegistry, isRoot: Bool) -> SchemaLocation {
        var draft = parentDraft
        var vocab = parentVocab
        guard case let .object(body) = value else {
            return SchemaLocation(value: value, base: base, resourcePointer: pointer, draft: draft,
                                  validationVocabulary: vocab, isResourceRoot: isRoot)
        }
        if draft != .openAPI30, let meta = body["$schema"]?.stringValue {
            if let known = SchemaDraft.fromMetaschemaURI(meta) {
                draft = known
                vocab = true
            } else if let metaDoc = registry.documents[URIReference(meta).withoutFragment] {
                if let metaMeta = metaDoc["$schema"]?.stringValue, let known = SchemaDraft.fromMetaschemaURI(metaMeta) {
                    draft = known
                }
                if let vocabs = metaDoc["$vocabulary"]?.objectValue {
                    vocab = vocabs.contains { $0.key.hasSuffix("/vocab/validation") }
                }
            }
        }
        var newBase = base
        var newPointer = pointer
        var root = isRoot
        let hasRef = body["$ref"] != nil
        if !(draft.refOverridesSiblings && hasRef), let id = body[draft.idKeyword]?.stringValue {
            if !(draft.fragmentIDsAreAnchors && id.hasPrefix("#")) {
                newBase = URIReference(URIReference.resolve(id, against: base)).withoutFragment
                newPointer = ""
                root = true
            }
        }
        return SchemaLocation(value: value, base: newBase, resourcePointer: newPointer, draft: draft,
                              validationVocabulary: vocab, isResourceRoot: root)
    }

    /// Child subschemas by keyword: (pointer suffix, value), following the dialect's applicators.
    func children() -> [(String, JSONValue)] {
        guard case let .object(body) = value else { return [] }
        if draft.refOverridesSiblings, body["$ref"] != nil {
            // Siblings of $ref are ignored, but $defs/definitions may still be targets of pointers.
        }
        var out: [(String, JSONValue)] = []
        for (k, v) in body {
            let ek = "/" + JSONPointer.escape(k)
            switch k {
            case "additionalItems", "additionalProperties", "contains", "propertyNames", "if", "then", "else",
                 "not", "unevaluatedItems", "unevaluatedProperties", "contentSchema":
                out.append((ek, v))
            case "items":
                if case let .array(a) = v {
                    for (i, s) in a.enumerated() { out.append((ek + "/\(i)", s)) }
                } else { out.append((ek, v)) }
            case "allOf", "anyOf", "oneOf", "prefixItems":
                if case let .array(a) = v {
                    for (i, s) in a.enumerated() { out.append((ek + "/\(i)", s)) }
                }
            case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies":
                if case let .object(m) = v {
                    for (name, s) in m {
                        if case .array = s { continue }
                        out.append((ek + "/" + JSONPointer.escape(name), s))
                    }
                }
            default: break
            }
        }
        return out
    }
}
