/// One compiled (sub)schema: every keyword pre-decoded so validation never re-reads schema JSON.
/// Mutated only while `SchemaCompiler` links it (refs may be cyclic), then read-only: hence @unchecked Sendable.
final class SchemaNode: @unchecked Sendable {
    /// Type bits for the `type` keyword.
    struct TypeSet: OptionSet, Sendable {
        let rawValue: UInt8
        static let null = TypeSet(rawValue: 1)
        static let boolean = TypeSet(rawValue: 2)
        static let object = TypeSet(rawValue: 4)
        static let array = TypeSet(rawValue: 8)
        static let number = TypeSet(rawValue: 16)
        static let string = TypeSet(rawValue: 32)
        static let integer = TypeSet(rawValue: 64)
    }

    /// Which keyword groups are present, so validation skips whole groups with one bit test.
    struct Flags: OptionSet, Sendable {
        let rawValue: UInt16
        static let ref = Flags(rawValue: 1)
        static let dynamic = Flags(rawValue: 2)
        static let enumOrConst = Flags(rawValue: 4)
        static let numeric = Flags(rawValue: 8)
        static let string = Flags(rawValue: 16)
        static let array = Flags(rawValue: 32)
        static let object = Flags(rawValue: 64)
        static let applicators = Flags(rawValue: 128)
        static let unevaluated = Flags(rawValue: 256)
    }

    /// Per-property lookup: the `properties` subschema (if any) and whether the name is `required`.
    struct PropertyEntry {
        let name: String
        let schema: SchemaNode?
        let required: Bool
        /// Position in `propertyList`, to continue the in-order guess after a hash hit.
        let index: Int
    }

    var flags: Flags = []
    /// `properties` and `required` merged into one hash lookup per instance key.
    var propertyTable: [String: PropertyEntry] = [:]
    /// The same entries in schema order: instances usually list keys in that order, so the validator first
    /// tries the entry after the previous hit (one string compare) before hashing.
    var propertyList: [PropertyEntry] = []

    /// Schema location (absolute URI + pointer) for keywordLocation in violations.
    let location: String
    let draft: SchemaDraft
    /// Boolean schema value (`true`/`false`), nil for object schemas.
    var constant: Bool?
    /// The resource this node belongs to (dynamic scope for $dynamicRef/$recursiveRef).
    var resource: SchemaResource?

    var types: TypeSet?
    var nullable = false
    var enumValues: [JSONValue]?
    var constValue: JSONValue?
    var minimum: JSONNumber?
    var maximum: JSONNumber?
    var exclusiveMinimum: JSONNumber?
    var exclusiveMaximum: JSONNumber?
    var multipleOf: JSONNumber?
    var minLength: Int?
    var maxLength: Int?
    var pattern: SchemaPattern?
    var format: String?

    var minItems: Int?
    var maxItems: Int?
    var uniqueItems = false
    var prefixItems: [SchemaNode] = []
    /// Applies to items at index >= prefixItems.count (2020-12 `items`, older `items` object / `additionalItems`).
    var restItems: SchemaNode?
    var contains: SchemaNode?
    var minContains: Int?
    var maxContains: Int?
    var unevaluatedItems: SchemaNode?

    var properties: [String: SchemaNode] = [:]
    /// `properties` names in schema order.
    var propertyOrder: [String] = []
    var patternProperties: [(SchemaPattern, SchemaNode)] = []
    var additionalProperties: SchemaNode?
    var required: [String] = []
    var minProperties: Int?
    var maxProperties: Int?
    var dependentRequired: [(String, [String])] = []
    var dependentSchemas: [(String, SchemaNode)] = []
    var propertyNames: SchemaNode?
    var unevaluatedProperties: SchemaNode?

    var allOf: [SchemaNode] = []
    var anyOf: [SchemaNode] = []
    var oneOf: [SchemaNode] = []
    var not: SchemaNode?
    var ifSchema: SchemaNode?
    var thenSchema: SchemaNode?
    var elseSchema: SchemaNode?
    var ref: SchemaNode?
    /// `$dynamicRef`: static target plus the anchor name when the target is a dynamic "bookend".
    var dynamicRef: SchemaNode?
    var dynamicRefAnchor: String?
    /// `$recursiveRef`: static target (resolved `#`); dynamic when the target resource has `$recursiveAnchor`.
    var recursiveRef: SchemaNode?

    /// Computes `flags` and `propertyTable` once all keywords are decoded.
    func finalize() {
        var f: Flags = []
        if ref != nil { f.insert(.ref) }
        if dynamicRef != nil || recursiveRef != nil { f.insert(.dynamic) }
        if enumValues != nil || constValue != nil { f.insert(.enumOrConst) }
        if minimum != nil || maximum != nil || exclusiveMinimum != nil || exclusiveMaximum != nil || multipleOf != nil {
            f.insert(.numeric)
        }
        if minLength != nil || maxLength != nil || pattern != nil || format != nil { f.insert(.string) }
        if minItems != nil || maxItems != nil || uniqueItems || !prefixItems.isEmpty || restItems != nil || contains != nil {
            f.insert(.array)
        }
        if !properties.isEmpty || !patternProperties.isEmpty || additionalProperties != nil || !required.isEmpty
            || minProperties != nil || maxProperties != nil || !dependentRequired.isEmpty || !dependentSchemas.isEmpty
            || propertyNames != nil {
            f.insert(.object)
        }
        if !allOf.isEmpty || !anyOf.isEmpty || !oneOf.isEmpty || not != nil || ifSchema != nil { f.insert(.applicators) }
        if hasUnevaluated { f.insert(.unevaluated) }
        flags = f
        var names = propertyOrder
        for r in required where properties[r] == nil && !names.contains(r) { names.append(r) }
        let requiredSet = Set(required)
        var list: [PropertyEntry] = []
        for (i, name) in names.enumerated() {
            list.append(PropertyEntry(name: name, schema: properties[name], required: requiredSet.contains(name), index: i))
        }
        propertyList = list
        propertyTable = Dictionary(list.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// True when any keyword that needs evaluated-property/item annotations is present here.
    var hasUnevaluated: Bool { unevaluatedItems != nil || unevaluatedProperties != nil }

    init(location: String, draft: SchemaDraft) {
        self.location = location
        self.draft = draft
    }
}

/// A schema resource (an `$id` scope) with its dynamic anchors, for dynamic-scope resolution.
final class SchemaResource: @unchecked Sendable {
    let uri: String
    var root: SchemaNode?
    var dynamicAnchors: [String: SchemaNode] = [:]
    var recursiveAnchor = false

    init(uri: String) {
        self.uri = uri
    }
}
