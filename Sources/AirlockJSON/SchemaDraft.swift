/// The schema dialects the validator understands; picks keyword semantics at compile time.
public enum SchemaDraft: String, Sendable, CaseIterable {
    /// Draft-04 (`id`, boolean exclusive bounds).
    case draft4
    /// Draft-06.
    case draft6
    /// Draft-07 (`if`/`then`/`else`).
    case draft7
    /// 2019-09 (`$recursiveRef`, `unevaluated*`, `dependentSchemas`).
    case draft2019_09
    /// 2020-12, the default (`$dynamicRef`, `prefixItems`); also OpenAPI 3.1.
    case draft2020_12
    /// OpenAPI 3.0 schema object: draft-04-ish plus `nullable`, boolean exclusive bounds, `x-*` ignored.
    case openAPI30

    /// Maps a `$schema` URI to a known draft, nil for unknown (custom) meta-schemas.
    public static func fromMetaschemaURI(_ uri: String) -> SchemaDraft? {
        var u = uri
        if u.hasSuffix("#") { u.removeLast() }
        if u.hasPrefix("https://") { u = "http://" + u.dropFirst("https://".count) }
        switch u {
        case "http://json-schema.org/draft-04/schema": return .draft4
        case "http://json-schema.org/draft-06/schema": return .draft6
        case "http://json-schema.org/draft-07/schema": return .draft7
        case "http://json-schema.org/draft/2019-09/schema": return .draft2019_09
        case "http://json-schema.org/draft/2020-12/schema": return .draft2020_12
        default: return nil
        }
    }

    /// The schema dialect of an OpenAPI document (`openapi: 3.0.x` → 3.0 schema object, 3.1 → 2020-12).
    public static func forOpenAPIDocument(_ document: JSONValue) -> SchemaDraft? {
        guard let version = document["openapi"]?.stringValue else { return nil }
        if version.hasPrefix("3.0") { return .openAPI30 }
        if version.hasPrefix("3.1") {
            if let dialect = document["jsonSchemaDialect"]?.stringValue { return fromMetaschemaURI(dialect) ?? .draft2020_12 }
            return .draft2020_12
        }
        return nil
    }

    /// The keyword that names a resource (`id` before draft-06).
    var idKeyword: String { self == .draft4 || self == .openAPI30 ? "id" : "$id" }
    /// Whether `$ref` makes its siblings ignored (drafts before 2019-09, and OpenAPI 3.0).
    var refOverridesSiblings: Bool { self == .draft4 || self == .draft6 || self == .draft7 || self == .openAPI30 }
    /// Whether `$id: "#name"` declares an anchor (drafts before 2019-09).
    var fragmentIDsAreAnchors: Bool { refOverridesSiblings }
    /// Whether this is 2019-09 or later.
    var isModern: Bool { self == .draft2019_09 || self == .draft2020_12 }
}
