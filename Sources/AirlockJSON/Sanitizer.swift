/// `strip_unknown`: removes object properties that no applicable schema declares.
///
/// Applicable schemas follow `$ref`/`$dynamicRef`/`$recursiveRef` (static targets), `allOf`, the `anyOf`/`oneOf`
/// branches that match, `if`/`then`/`else` as evaluated, and `dependentSchemas` that apply. A property is kept when
/// some applicable schema lists it in `properties`, matches it with `patternProperties`, or accepts it through a
/// non-false `additionalProperties`/`unevaluatedProperties`, or lists it in `required`. Objects whose applicable schemas say nothing about
/// properties at all (e.g. `{}` or `true`) are kept whole: nothing declares their shape, so nothing is "unknown".
public struct Sanitizer: Sendable {
    let schema: CompiledSchema

    /// Builds a sanitizer for one compiled schema.
    public init(schema: CompiledSchema) {
        self.schema = schema
    }

    /// Returns `value` minus undeclared properties (meant for values already valid against the schema);
    /// nil when deciding which branches apply ran out of the validation budget (see `ValidationRun.budget`):
    /// what is declared is then unknown, and the document must be refused rather than cut down.
    public func stripUnknown(_ value: JSONValue) -> JSONValue? {
        var pointers: [String] = []
        var count = 0
        return stripUnknown(value, removedPointers: &pointers, removedCount: &count, limit: 0)
    }

    /// As `stripUnknown(_:)`, also listing the JSON Pointers of the first `limit` removed properties
    /// and counting all of them (for the audit log).
    public func stripUnknown(_ value: JSONValue, removedPointers: inout [String], removedCount: inout Int, limit: Int = 10) -> JSONValue? {
        strip(value, JSONTape(value), removedPointers: &removedPointers, removedCount: &removedCount, limit: limit)
    }

    /// As above for a parsed document: the tree is built from the tape, and branches are matched on the tape.
    public func stripUnknown(_ tape: JSONTape, removedPointers: inout [String], removedCount: inout Int, limit: Int = 10) -> JSONValue? {
        strip(tape.value, tape, removedPointers: &removedPointers, removedCount: &removedCount, limit: limit)
    }

    /// Walks `value` and its tape (the same document, node for node) together: the tree is what is kept,
    /// the tape is what the validator reads to decide which branches apply.
    func strip(_ value: JSONValue, _ tape: JSONTape, removedPointers: inout [String], removedCount: inout Int, limit: Int) -> JSONValue? {
        var removed = Removed(limit: limit)
        var path: [String] = []
        let out = tape.withView { view in
            strip(value, 0, view, [schema.root], depth: 0, path: &path, removed: &removed)
        }
        removedPointers = removed.pointers
        removedCount = removed.count
        return removed.probes.exhausted ? nil : out
    }

    /// The validation budget of a pass's branch probes: one for the whole pass (see
    /// `ValidationRun.budget`), not one per probe, which a document of many nested values would multiply.
    struct Probes {
        var steps = 0
        /// A probe ran out of the budget: which branches apply is unknown from then on.
        var exhausted = false
    }

    struct Removed {
        let limit: Int
        var pointers: [String] = []
        var count = 0
        /// What the pass's branch probes (`matches`) spent of the validation budget.
        var probes = Probes()

        mutating func add(_ path: [String], _ key: String) {
            count += 1
            if pointers.count < limit { pointers.append((path + [key]).map { "/" + JSONPointer.escape($0) }.joined()) }
        }
    }

    func strip(_ value: JSONValue, _ at: Int, _ view: TapeView, _ roots: [SchemaNode], depth: Int, path: inout [String],
               removed: inout Removed) -> JSONValue {
        guard depth < JSONParser.hardMaxDepth else { return value }
        var nodes: [SchemaNode] = []
        for r in roots { expand(r, at, view, &nodes, depth: 0, probes: &removed.probes) }
        switch value {
        case let .object(entries):
            let constrains = nodes.contains {
                !$0.properties.isEmpty || !$0.patternProperties.isEmpty || $0.additionalProperties != nil
                    || $0.unevaluatedProperties != nil
            }
            // The result shares the input's key table: kept entries keep their key index.
            var out: [JSONSlot] = []
            out.reserveCapacity(entries.count)
            var child = at + 1
            for (k, slot) in entries.slots.enumerated() {
                let valueNode = child + 1
                child = view.next(valueNode)
                let key = entries.key(at: k)
                let v = slot.value
                var children: [SchemaNode] = []
                var declared = !constrains
                for n in nodes {
                    var matched = false
                    if let s = n.properties[key] { children.append(s); matched = true }
                    // A name the schema requires is declared by it, even without a `properties` entry.
                    if !matched, n.required.contains(key) { matched = true }
                    for (p, s) in n.patternProperties where p.matches(key) { children.append(s); matched = true }
                    if !matched, let s = n.additionalProperties ?? n.unevaluatedProperties, s.constant != false {
                        children.append(s)
                        matched = true
                    }
                    if matched { declared = true }
                }
                if declared {
                    path.append(key)
                    out.append(JSONSlot(value: strip(v, valueNode, view, children, depth: depth + 1, path: &path,
                                                     removed: &removed),
                                        key: slot.key))
                    path.removeLast()
                } else {
                    removed.add(path, key)
                }
            }
            return .object(JSONObject(table: entries.table, slots: out))
        case let .array(items):
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            var child = at + 1
            for (i, v) in items.enumerated() {
                let itemNode = child
                child = view.next(child)
                var children: [SchemaNode] = []
                for n in nodes {
                    if i < n.prefixItems.count { children.append(n.prefixItems[i]) } else if let r = n.restItems {
                        children.append(r)
                    } else if let u = n.unevaluatedItems { children.append(u) }
                }
                path.append(String(i))
                out.append(strip(v, itemNode, view, children, depth: depth + 1, path: &path, removed: &removed))
                path.removeLast()
            }
            return .array(out)
        default:
            return value
        }
    }

    /// Collects `n` and every in-place subschema that applies to the value at tape position `at`.
    func expand(_ n: SchemaNode, _ at: Int, _ view: TapeView, _ out: inout [SchemaNode], depth: Int, probes: inout Probes) {
        guard depth < 64, !out.contains(where: { $0 === n }) else { return }
        out.append(n)
        for r in [n.ref, n.dynamicRef, n.recursiveRef] { if let r { expand(r, at, view, &out, depth: depth + 1, probes: &probes) } }
        for s in n.allOf { expand(s, at, view, &out, depth: depth + 1, probes: &probes) }
        for s in n.anyOf where matches(s, at, view, probes: &probes) { expand(s, at, view, &out, depth: depth + 1, probes: &probes) }
        for s in n.oneOf where matches(s, at, view, probes: &probes) { expand(s, at, view, &out, depth: depth + 1, probes: &probes) }
        if let c = n.ifSchema {
            if matches(c, at, view, probes: &probes) {
                expand(c, at, view, &out, depth: depth + 1, probes: &probes)
                if let t = n.thenSchema { expand(t, at, view, &out, depth: depth + 1, probes: &probes) }
            } else if let e = n.elseSchema {
                expand(e, at, view, &out, depth: depth + 1, probes: &probes)
            }
        }
        if view.kind(at) == .object {
            for (name, s) in n.dependentSchemas where view.member(at, name) != nil {
                expand(s, at, view, &out, depth: depth + 1, probes: &probes)
            }
        }
    }

    func matches(_ n: SchemaNode, _ at: Int, _ view: TapeView, probes: inout Probes) -> Bool {
        var run = ValidationRun(view: view, tracking: schema.usesUnevaluated, dynamic: schema.usesDynamicScope, options: .init())
        run.quiet = 1
        run.steps = probes.steps
        defer {
            probes.steps = run.steps
            if run.exhausted { probes.exhausted = true }
        }
        var ev = Evaluated()
        return run.validate(n, at, &ev)
    }
}
