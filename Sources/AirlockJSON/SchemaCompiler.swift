/// Turns schema JSON into linked `SchemaNode`s once, resolving `$ref`s through the `SchemaIndex`.
final class SchemaCompiler {
    var index: SchemaIndex
    var nodes: [String: SchemaNode] = [:]
    var resources: [String: SchemaResource] = [:]
    var usesUnevaluated = false
    /// Some `pattern` needs the backtracking engine (Swift Regex): validation time is harder to bound.
    var usesRegexFallback = false
    var usesDynamicScope = false
    var rootBase = ""
    /// Subschemas being compiled, one inside the other (a `$ref` chain or nesting).
    private var depth = 0
    /// The deepest a compilation may go: memoizing stops cycles, not long chains, and each level is
    /// a few stack frames (a schema of 100,000 `$defs` each naming the next would exhaust the stack).
    static let maxDepth = 512
    /// Refuse patterns that only the backtracking engine can run and that can take exponential time
    /// (hostile input reaches them in the proxy).
    var refusesBacktrackingPatterns = false

    init(registry: SchemaRegistry, defaultDraft: SchemaDraft) {
        index = SchemaIndex(registry: registry, defaultDraft: defaultDraft)
    }

    /// Compiles the schema found at an absolute URI (with optional fragment).
    func compile(uri: String) throws(SchemaError) -> SchemaNode {
        guard let loc = index.resolve(uri) else {
            throw SchemaError(message: "schema not found in registry", location: uri)
        }
        rootBase = loc.base
        return try compile(loc)
    }

    /// Compiles (memoized) one location.
    func compile(_ loc: SchemaLocation) throws(SchemaError) -> SchemaNode {
        if let n = nodes[loc.key] { return n }
        guard depth < Self.maxDepth else {
            throw SchemaError(message: "subschemas and $ref chains nest deeper than \(Self.maxDepth) levels", location: loc.key)
        }
        depth += 1
        defer { depth -= 1 }
        let node = SchemaNode(location: loc.base == rootBase ? loc.resourcePointer : loc.key, draft: loc.draft)
        nodes[loc.key] = node
        node.resource = try resource(loc.base)
        if loc.resourcePointer.isEmpty, node.resource?.root == nil { node.resource?.root = node }
        switch loc.value {
        case let .bool(b):
            node.constant = b
        case let .object(body):
            try fill(node, body, loc)
            node.finalize()
        default:
            throw SchemaError(message: "a schema must be an object or a boolean", location: loc.key)
        }
        return node
    }

    /// The resource record for a base URI, with its dynamic anchors compiled.
    func resource(_ uri: String) throws(SchemaError) -> SchemaResource {
        if let r = resources[uri] { return r }
        let r = SchemaResource(uri: uri)
        resources[uri] = r
        r.recursiveAnchor = index.recursiveAnchors.contains(uri)
        for (name, key) in index.dynamicAnchors[uri] ?? [:] {
            if let loc = index.locations[key] { r.dynamicAnchors[name] = try compile(loc) }
        }
        return r
    }

    /// Compiles a child subschema reached through `suffix` (a pointer fragment) from `loc`.
    func child(_ loc: SchemaLocation, _ suffix: String, _ value: JSONValue) throws(SchemaError) -> SchemaNode {
        let c = SchemaLocation.enter(value, base: loc.base, pointer: loc.resourcePointer + suffix, draft: loc.draft,
                                     validationVocabulary: loc.validationVocabulary, registry: index.registry,
                                     isRoot: false)
        if c.isResourceRoot, c.resourcePointer.isEmpty, index.locations[c.key] == nil { index.walk(c, depth: 0) }
        return try compile(index.locations[c.key] ?? c)
    }

    /// Resolves a `$ref`-style string against the location's base.
    func resolveRef(_ ref: String, from loc: SchemaLocation, keyword: String) throws(SchemaError) -> SchemaLocation {
        let abs = URIReference.resolve(ref, against: loc.base)
        guard let target = index.resolve(abs) else {
            throw SchemaError(message: "unresolvable \(keyword) \"\(ref)\" (resolved to \(abs))",
                              location: loc.key + "/" + keyword)
        }
        return target
    }

    /// With `refusesBacktrackingPatterns`: a pattern outside the linear-time subset whose shape can backtrack
    /// exponentially (a repeated group holding a repetition or an alternation: `(a+)+`, `(a|aa)*`) is an error.
    func checkBacktracking(_ pattern: SchemaPattern, location: String) throws(SchemaError) {
        if pattern.fast == nil { usesRegexFallback = true }
        guard refusesBacktrackingPatterns, pattern.fast == nil, let why = SchemaPattern.backtrackingRisk(pattern.source) else { return }
        throw SchemaError(message: "pattern \"\(pattern.source)\" \(why): a hostile response could make it run for hours; rewrite it without nesting", location: location)
    }

    /// Reads a non-negative integer keyword (2.0 accepted as 2).
    func count(_ v: JSONValue, _ loc: SchemaLocation, _ kw: String) throws(SchemaError) -> Int {
        guard case let .number(n) = v, n.isInteger, let i = n.int64Value, i >= 0 else {
            throw SchemaError(message: "\(kw) must be a non-negative integer", location: loc.key + "/" + kw)
        }
        return Int(i)
    }

    /// Reads a number keyword.
    func number(_ v: JSONValue, _ loc: SchemaLocation, _ kw: String) throws(SchemaError) -> JSONNumber {
        guard case let .number(n) = v else {
            throw SchemaError(message: "\(kw) must be a number", location: loc.key + "/" + kw)
        }
        return n
    }

    /// Compiles an array of subschemas.
    func list(_ v: JSONValue, _ loc: SchemaLocation, _ kw: String) throws(SchemaError) -> [SchemaNode] {
        guard case let .array(a) = v, !a.isEmpty || kw == "prefixItems" || kw == "items" else {
            throw SchemaError(message: "\(kw) must be a non-empty array of schemas", location: loc.key + "/" + kw)
        }
        var out: [SchemaNode] = []
        for (i, s) in a.enumerated() { out.append(try child(loc, "/\(kw)/\(i)", s)) }
        return out
    }

    /// Parses the `type` keyword.
    func types(_ v: JSONValue, _ loc: SchemaLocation) throws(SchemaError) -> SchemaNode.TypeSet {
        var names: [String] = []
        switch v {
        case let .string(s): names = [s]
        case let .array(a): for x in a { if let s = x.stringValue { names.append(s) } }
        default: break
        }
        var set: SchemaNode.TypeSet = []
        for n in names {
            switch n {
            case "null": set.insert(.null)
            case "boolean": set.insert(.boolean)
            case "object": set.insert(.object)
            case "array": set.insert(.array)
            case "number": set.insert(.number)
            case "string": set.insert(.string)
            case "integer": set.insert(.integer)
            default: throw SchemaError(message: "unknown type \"\(n)\"", location: loc.key + "/type")
            }
        }
        return set
    }
}
