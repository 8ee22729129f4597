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

    @exclusivity(unchecked) var flags: Flags = []
    /// Only `type` (+ `nullable`, `maxLength`): the property loop can accept matching values without a call.
    @exclusivity(unchecked) var isLeaf = false
    /// The names of `properties` (schema order) and then of `required` ones without a subschema: one byte
    /// lookup per instance key finds both (instances usually list keys in schema order, so the validator first
    /// tries the name after the previous hit). `listSchemas` and `listRequired` are indexed the same way.
    @exclusivity(unchecked) var nameTable = PropertyNameTable([])
    @exclusivity(unchecked) var listSchemas: [NodeRef] = []
    @exclusivity(unchecked) var listRequired: [Bool] = []

    /// Schema location (absolute URI + pointer) for keywordLocation in violations.
    let location: String
    let draft: SchemaDraft
    /// Boolean schema value (`true`/`false`), nil for object schemas.
    @exclusivity(unchecked) var constant: Bool?
    /// The resource this node belongs to (dynamic scope for $dynamicRef/$recursiveRef).
    @exclusivity(unchecked) var resource: SchemaResource?

    @exclusivity(unchecked) var types: TypeSet?
    @exclusivity(unchecked) var nullable = false
    @exclusivity(unchecked) var enumValues: [JSONValue]?
    /// `enumValues` split for the validator: the strings as a byte table (a string instance is one hash
    /// probe, not a comparison per value), everything else as values.
    @exclusivity(unchecked) var enumStrings = PropertyNameTable([])
    @exclusivity(unchecked) var enumOthers: [JSONValue] = []
    @exclusivity(unchecked) var constValue: JSONValue?
    @exclusivity(unchecked) var minimum: JSONNumber?
    @exclusivity(unchecked) var maximum: JSONNumber?
    @exclusivity(unchecked) var exclusiveMinimum: JSONNumber?
    @exclusivity(unchecked) var exclusiveMaximum: JSONNumber?
    @exclusivity(unchecked) var multipleOf: JSONNumber?
    @exclusivity(unchecked) var minLength: Int?
    @exclusivity(unchecked) var maxLength: Int?
    @exclusivity(unchecked) var pattern: SchemaPattern?
    @exclusivity(unchecked) var format: String?

    @exclusivity(unchecked) var minItems: Int?
    @exclusivity(unchecked) var maxItems: Int?
    @exclusivity(unchecked) var uniqueItems = false
    @exclusivity(unchecked) var prefixItems: [SchemaNode] = []
    /// Applies to items at index >= prefixItems.count (2020-12 `items`, older `items` object / `additionalItems`).
    @exclusivity(unchecked) var restItems: SchemaNode?
    @exclusivity(unchecked) var contains: SchemaNode?
    @exclusivity(unchecked) var minContains: Int?
    @exclusivity(unchecked) var maxContains: Int?
    @exclusivity(unchecked) var unevaluatedItems: SchemaNode?

    @exclusivity(unchecked) var properties: [String: SchemaNode] = [:]
    /// `properties` names in schema order.
    @exclusivity(unchecked) var propertyOrder: [String] = []
    @exclusivity(unchecked) var patternProperties: [(SchemaPattern, SchemaNode)] = []
    @exclusivity(unchecked) var additionalProperties: SchemaNode?
    @exclusivity(unchecked) var required: [String] = []
    @exclusivity(unchecked) var minProperties: Int?
    @exclusivity(unchecked) var maxProperties: Int?
    @exclusivity(unchecked) var dependentRequired: [(String, [String])] = []
    @exclusivity(unchecked) var dependentSchemas: [(String, SchemaNode)] = []
    @exclusivity(unchecked) var propertyNames: SchemaNode?
    @exclusivity(unchecked) var unevaluatedProperties: SchemaNode?

    @exclusivity(unchecked) var allOf: [SchemaNode] = []
    @exclusivity(unchecked) var anyOf: [SchemaNode] = []
    @exclusivity(unchecked) var oneOf: [SchemaNode] = []
    @exclusivity(unchecked) var not: SchemaNode?
    @exclusivity(unchecked) var ifSchema: SchemaNode?
    @exclusivity(unchecked) var thenSchema: SchemaNode?
    @exclusivity(unchecked) var elseSchema: SchemaNode?
    @exclusivity(unchecked) var ref: SchemaNode?
    /// `$dynamicRef`: static target plus the anchor name when the target is a dynamic "bookend".
    @exclusivity(unchecked) var dynamicRef: SchemaNode?
    @exclusivity(unchecked) var dynamicRefAnchor: String?
    /// `$recursiveRef`: static target (resolved `#`); dynamic when the target resource has `$recursiveAnchor`.
    @exclusivity(unchecked) var recursiveRef: SchemaNode?

    /// Computes `flags` and the property name table once all keywords are decoded.
    func finalize() {
        var f: Flags = []
        if ref != nil { f.insert(.ref) }
        if dynamicRef != nil || recursiveRef != nil { f.insert(.dynamic) }
        if enumValues != nil || constValue != nil { f.insert(.enumOrConst) }
        if let values = enumValues {
            enumStrings = PropertyNameTable(values.compactMap(\.stringValue))   // repeats are harmless
            enumOthers = values.filter { $0.stringValue == nil }
        }
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
        isLeaf = constant == nil && types != nil && f.subtracting([.string]).isEmpty && pattern == nil && format == nil
            && minLength == nil
        var names = propertyOrder
        for r in required where properties[r] == nil && !names.contains(r) { names.append(r) }
        let requiredSet = Set(required)
        nameTable = PropertyNameTable(names)
        listSchemas = names.map { NodeRef(node: properties[$0]) }
        listRequired = names.map { requiredSet.contains($0) }
    }

    /// True when any keyword that needs evaluated-property/item annotations is present here.
    var hasUnevaluated: Bool { unevaluatedItems != nil || unevaluatedProperties != nil }

    init(location: String, draft: SchemaDraft) {
        self.location = location
        self.draft = draft
    }
}
