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
        if draft != .openAPI30, let meta = JSONValue.lookup(body, "$schema")?.stringValue {
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
        let hasRef = JSONValue.lookup(body, "$ref") != nil
        if !(draft.refOverridesSiblings && hasRef), let id = JSONValue.lookup(body, draft.idKeyword)?.stringValue {
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
        if draft.refOverridesSiblings, JSONValue.lookup(body, "$ref") != nil {
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

/// JSON Pointer (RFC 6901) helpers.
public enum JSONPointer {
    /// Escapes one reference token (`~` → `~0`, `/` → `~1`).
    public static func escape(_ token: String) -> String {
        if !token.contains("~") && !token.contains("/") { return token }
        return token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// Unescapes one reference token.
    public static func unescape(_ token: Substring) -> String {
        if !token.contains("~") { return String(token) }
        return token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
    }

    /// Resolves a pointer ("" or "/a/b") inside a value; nil if absent.
    public static func resolve(_ pointer: String, in value: JSONValue) -> JSONValue? {
        if pointer.isEmpty { return value }
        guard pointer.hasPrefix("/") else { return nil }
        var cur = value
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let token = unescape(raw)
            switch cur {
            case let .object(o):
                guard let next = JSONValue.lookup(o, token) else { return nil }
                cur = next
            case let .array(a):
                guard let i = Int(token), i >= 0, i < a.count, token == String(i) else { return nil }
                cur = a[i]
            default: return nil
            }
        }
        return cur
    }

    /// Percent-decodes a URI fragment (so `#/$defs/a%25b` finds key `a%b`).
    static func percentDecode(_ s: String) -> String {
        if !s.contains("%") { return s }
        var bytes: [UInt8] = []
        var u = Array(s.utf8)[...]
        while let c = u.first {
            if c == UInt8(ascii: "%"), u.count >= 3,
               let h = UInt8(String(decoding: u.dropFirst().prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(h)
                u = u.dropFirst(3)
            } else {
                bytes.append(c)
                u = u.dropFirst()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
