/// Keyword decoding for `SchemaCompiler`, dialect by dialect.
extension SchemaCompiler {
    /// Decodes every keyword of an object schema into `node`.
    func fill(_ node: SchemaNode, _ body: JSONObject, _ loc: SchemaLocation) throws(SchemaError) {
        let draft = loc.draft
        let modern = draft.isModern
        if draft.refOverridesSiblings, let ref = body["$ref"] {
            guard let s = ref.stringValue else { throw SchemaError(message: "$ref must be a string", location: loc.key) }
            node.ref = try compile(resolveRef(s, from: loc, keyword: "$ref"))
            return
        }
        let v = loc.validationVocabulary
        let legacyExclusive = draft == .draft4 || draft == .openAPI30
        var itemsArray = false
        for (kw, value) in body {
            switch kw {
            case "$ref":
                guard let s = value.stringValue else { throw SchemaError(message: "$ref must be a string", location: loc.key) }
                node.ref = try compile(resolveRef(s, from: loc, keyword: kw))
            case "$dynamicRef" where draft == .draft2020_12:
                guard let s = value.stringValue else { throw SchemaError(message: "$dynamicRef must be a string", location: loc.key) }
                let target = try resolveRef(s, from: loc, keyword: kw)
                node.dynamicRef = try compile(target)
                let fragment = URIReference(s).fragment ?? ""
                if !fragment.isEmpty, !fragment.hasPrefix("/"), target.value["$dynamicAnchor"]?.stringValue == fragment {
                    node.dynamicRefAnchor = fragment
                }
                usesDynamicScope = true
            case "$recursiveRef" where draft == .draft2019_09:
                guard let s = value.stringValue else { throw SchemaError(message: "$recursiveRef must be a string", location: loc.key) }
                node.recursiveRef = try compile(resolveRef(s, from: loc, keyword: kw))
                usesDynamicScope = true
            case "type" where v: node.types = try types(value, loc)
            case "nullable" where draft == .openAPI30: node.nullable = value.boolValue ?? false
            case "enum" where v:
                guard case let .array(a) = value else { throw SchemaError(message: "enum must be an array", location: loc.key + "/enum") }
                node.enumValues = a
            case "const" where v && draft != .draft4: node.constValue = value
            case "minimum" where v: node.minimum = try number(value, loc, kw)
            case "maximum" where v: node.maximum = try number(value, loc, kw)
            case "exclusiveMinimum" where v:
                if !legacyExclusive { node.exclusiveMinimum = try number(value, loc, kw) }
            case "exclusiveMaximum" where v:
                if !legacyExclusive { node.exclusiveMaximum = try number(value, loc, kw) }
            case "multipleOf" where v:
                let n = try number(value, loc, kw)
                guard JSONNumber.compare(n, JSONNumber(0)) > 0 else {
                    throw SchemaError(message: "multipleOf must be > 0", location: loc.key + "/multipleOf")
                }
                node.multipleOf = n
            case "minLength" where v: node.minLength = try count(value, loc, kw)
            case "maxLength" where v: node.maxLength = try count(value, loc, kw)
            case "pattern" where v:
                guard let s = value.stringValue, let p = SchemaPattern(s) else {
                    throw SchemaError(message: "pattern is not a supported regular expression", location: loc.key + "/pattern")
                }
                try checkBacktracking(p, location: loc.key + "/pattern")
                node.pattern = p
            case "format": node.format = value.stringValue
            case "minItems" where v: node.minItems = try count(value, loc, kw)
            case "maxItems" where v: node.maxItems = try count(value, loc, kw)
            case "uniqueItems" where v: node.uniqueItems = value.boolValue ?? false
            case "prefixItems" where draft == .draft2020_12: node.prefixItems = try list(value, loc, kw)
            case "items":
                if case .array = value, draft != .draft2020_12 {
                    node.prefixItems = try list(value, loc, kw)
                    itemsArray = true
                } else if case .array = value {
                    continue
                } else {
                    node.restItems = try child(loc, "/items", value)
                }
            case "contains" where draft != .draft4 && draft != .openAPI30: node.contains = try child(loc, "/contains", value)
            case "minContains" where modern && v: node.minContains = try count(value, loc, kw)
            case "maxContains" where modern && v: node.maxContains = try count(value, loc, kw)
            case "unevaluatedItems" where modern:
                node.unevaluatedItems = try child(loc, "/unevaluatedItems", value)
                usesUnevaluated = true
            case "unevaluatedProperties" where modern:
                node.unevaluatedProperties = try child(loc, "/unevaluatedProperties", value)
                usesUnevaluated = true
            case "properties":
                guard case let .object(m) = value else { throw SchemaError(message: "properties must be an object", location: loc.key) }
                for (name, s) in m {
                    node.properties[name] = try child(loc, "/properties/" + JSONPointer.escape(name), s)
                    node.propertyOrder.append(name)
                }
            case "patternProperties":
                guard case let .object(m) = value else { throw SchemaError(message: "patternProperties must be an object", location: loc.key) }
                for (pat, s) in m {
                    guard let p = SchemaPattern(pat) else {
                        throw SchemaError(message: "unsupported pattern \"\(pat)\"", location: loc.key + "/patternProperties")
                    }
                    try checkBacktracking(p, location: loc.key + "/patternProperties")
                    node.patternProperties.append((p, try child(loc, "/patternProperties/" + JSONPointer.escape(pat), s)))
                }
            case "additionalProperties": node.additionalProperties = try child(loc, "/additionalProperties", value)
            case "required" where v:
                guard case let .array(a) = value else { throw SchemaError(message: "required must be an array", location: loc.key) }
                node.required = a.compactMap { $0.stringValue }
            case "minProperties" where v: node.minProperties = try count(value, loc, kw)
            case "maxProperties" where v: node.maxProperties = try count(value, loc, kw)
            case "dependentRequired" where modern && v:
                for (name, list) in value.objectValue ?? [] {
                    node.dependentRequired.append((name, (list.arrayValue ?? []).compactMap { $0.stringValue }))
                }
            case "dependentSchemas" where modern:
                for (name, s) in value.objectValue ?? [] {
                    node.dependentSchemas.append((name, try child(loc, "/dependentSchemas/" + JSONPointer.escape(name), s)))
                }
            case "dependencies" where !modern:
                for (name, s) in value.objectValue ?? [] {
                    if case let .array(list) = s {
                        node.dependentRequired.append((name, list.compactMap { $0.stringValue }))
                    } else {
                        node.dependentSchemas.append((name, try child(loc, "/dependencies/" + JSONPointer.escape(name), s)))
                    }
                }
            case "propertyNames" where draft != .draft4 && draft != .openAPI30:
                node.propertyNames = try child(loc, "/propertyNames", value)
            case "allOf": node.allOf = try list(value, loc, kw)
            case "anyOf": node.anyOf = try list(value, loc, kw)
            case "oneOf": node.oneOf = try list(value, loc, kw)
            case "not": node.not = try child(loc, "/not", value)
            case "if" where draft != .draft4 && draft != .draft6 && draft != .openAPI30:
                node.ifSchema = try child(loc, "/if", value)
            case "then" where draft != .draft4 && draft != .draft6 && draft != .openAPI30:
                node.thenSchema = try child(loc, "/then", value)
            case "else" where draft != .draft4 && draft != .draft6 && draft != .openAPI30:
                node.elseSchema = try child(loc, "/else", value)
            default:
                break
            }
        }
        if legacyExclusive && v {
            if body["exclusiveMinimum"]?.boolValue == true, let m = node.minimum {
                node.exclusiveMinimum = m
                node.minimum = nil
            }
            if body["exclusiveMaximum"]?.boolValue == true, let m = node.maximum {
                node.exclusiveMaximum = m
                node.maximum = nil
            }
        }
        if draft != .draft2020_12, let additional = body["additionalItems"] {
            if itemsArray { node.restItems = try child(loc, "/additionalItems", additional) }
        }
        if node.ifSchema == nil {
            node.thenSchema = nil
            node.elseSchema = nil
        }
    }
}
