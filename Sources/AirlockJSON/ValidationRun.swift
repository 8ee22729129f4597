/// State of one validation pass over a tape: violations, instance path, dynamic scope, quiet depth.
/// Instances are tape positions (`Int`) read through `view`.
struct ValidationRun {
    let view: TapeView
    let tracking: Bool
    let dynamic: Bool
    let collectAll: Bool
    let formatAssertion: Bool
    var violations: [Violation] = []
    /// >0 while probing branches (anyOf/oneOf/not/if/contains): errors are not recorded.
    var quiet = 0
    var path: [PathToken] = []
    var scope: [SchemaResource] = []
    /// Nested `validate` calls; bounded so a schema that loops without consuming the instance
    /// (e.g. `{"$ref": "#"}`) fails cleanly instead of exhausting the stack.
    var depth = 0
    static let maxDepth = 400
    /// Schema evaluations so far, and how many one pass may make. Nested `oneOf`/`anyOf` branches
    /// that re-validate the same values (a recursive schema whose branches share a base) can cost
    /// twice as much per level of nesting: 30 levels of a document a hostile upstream wrote would be
    /// 2^30 evaluations. The budget (64 per document node, at least 2^20) is far above what real
    /// schemas need; past it the pass fails closed.
    var steps = 0
    let budget: Int
    /// The budget ran out: the pass's answer is no, whatever a `not`, an `if` or a `oneOf` made of
    /// the refused evaluations (read it with `validate`'s result: see `finished`).
    var exhausted = false

    /// The pass's answer for a root `validate` that returned `ok`.
    func finished(_ ok: Bool) -> Bool { ok && !exhausted }

    init(view: TapeView, tracking: Bool, dynamic: Bool, options: ValidationOptions) {
        self.view = view
        self.tracking = tracking
        self.dynamic = dynamic
        self.collectAll = options.collectAll
        self.formatAssertion = options.formatAssertion
        self.budget = Self.budget(nodes: view.nodeCount)
    }

    /// The budget of a pass over a document of `nodes` tape nodes.
    static func budget(nodes: Int) -> Int { max(1 << 20, nodes &* 64) }

    /// Stop at the first failure unless collecting every violation at top level.
    var stop: Bool { quiet > 0 || !collectAll }

    /// Records a violation (unless probing).
    mutating func report(_ n: SchemaNode, _ keyword: String, _ message: @autoclosure () -> String) {
        guard quiet == 0 else { return }
        var pointer = ""
        for t in path {
            switch t {
            case let .key(k): pointer += "/" + JSONPointer.escape(view.string(k))
            case let .index(i): pointer += "/\(i)"
            }
        }
        let kw = keyword.isEmpty ? n.location : n.location + "/" + keyword
        violations.append(Violation(instanceLocation: pointer, keywordLocation: kw, message: message()))
    }

    /// Validates `v` against `n`, adding evaluated-location annotations to `ev` when tracking.
    mutating func validate(_ n: SchemaNode, _ v: Int, _ ev: inout Evaluated) -> Bool {
        if let c = n.constant {
            if !c { report(n, "", "no value is allowed here (false schema)") }
            return c
        }
        // OpenAPI 3.0 `nullable: true`: null is allowed whatever else the schema says.
        let kind = view.kind(v)
        if n.nullable, kind == .null { return true }
        steps &+= 1
        if steps > budget {
            if !exhausted {
                // Recorded even while probing a branch: it decides the whole pass.
                exhausted = true
                violations.append(.budgetExhausted(at: n.location, budget: budget))
            }
            return false
        }
        if depth >= ValidationRun.maxDepth {
            report(n, "", "schema evaluation nests deeper than \(ValidationRun.maxDepth) (reference loop?)")
            return false
        }
        depth += 1
        defer { depth -= 1 }
        var pushed = false
        if dynamic, let r = n.resource, scope.last !== r {
            scope.append(r)
            pushed = true
        }
        defer { if pushed { scope.removeLast() } }
        var ok = true
        let flags = n.flags
        if flags.contains(.ref), let r = n.ref {
            var sub = Evaluated()
            if validate(r, v, &sub) { ev.merge(sub) } else { ok = false; if stop { return false } }
        }
        if flags.contains(.dynamic) {
            if !validateDynamic(n, v, &ev) { ok = false; if stop { return false } }
        }
        if let t = n.types, !typeMatches(t, n.nullable, kind, v) {
            report(n, "type", "value is not of type \(ValidationRun.describe(t))")
            ok = false
            if stop { return false }
        }
        if flags.contains(.enumOrConst) {
            if n.enumValues != nil,
               kind == .string ? n.enumStrings.slot(for: view.bytes(v)) < 0 : !n.enumOthers.contains(where: { view.equals(v, $0) }) {
                report(n, "enum", "value is not one of the allowed values")
                ok = false
                if stop { return false }
            }
            if let c = n.constValue, !view.equals(v, c) {
                report(n, "const", "value does not equal the required constant")
                ok = false
                if stop { return false }
            }
        }
        switch kind {
        case .int, .number:
            if flags.contains(.numeric) && !validateNumber(n, view.number(v)) { ok = false; if stop { return false } }
        case .string: if flags.contains(.string) && !validateString(n, v) { ok = false; if stop { return false } }
        case .array:
            if flags.contains(.array) && !validateArray(n, v, &ev) { ok = false; if stop { return false } }
        case .object:
            if flags.contains(.object) && !validateObject(n, v, &ev) { ok = false; if stop { return false } }
        default: break
        }
        if flags.contains(.applicators) && !validateApplicators(n, v, &ev) { ok = false; if stop { return false } }
        if tracking && flags.contains(.unevaluated) {
            if !validateUnevaluated(n, v, &ev) { ok = false }
        }
        return ok
    }

    /// `$dynamicRef` / `$recursiveRef` resolution through the dynamic scope.
    mutating func validateDynamic(_ n: SchemaNode, _ v: Int, _ ev: inout Evaluated) -> Bool {
        var target: SchemaNode
        if let d = n.dynamicRef {
            target = d
            if let name = n.dynamicRefAnchor {
                for r in scope { if let t = r.dynamicAnchors[name] { target = t; break } }
            }
        } else if let d = n.recursiveRef {
            target = d
            if d.resource?.recursiveAnchor == true {
                for r in scope where r.recursiveAnchor {
                    if let root = r.root { target = root; break }
                }
            }
        } else {
            return true
        }
        var sub = Evaluated()
        guard validate(target, v, &sub) else { return false }
        ev.merge(sub)
        return true
    }

    func typeMatches(_ t: SchemaNode.TypeSet, _ nullable: Bool, _ kind: JSONTape.Kind, _ v: Int) -> Bool {
        switch kind {
        case .null: return t.contains(.null) || nullable
        case .falseValue, .trueValue: return t.contains(.boolean)
        case .object: return t.contains(.object)
        case .array: return t.contains(.array)
        case .string: return t.contains(.string)
        case .int: return t.contains(.number) || t.contains(.integer)
        case .number: return t.contains(.number) || (t.contains(.integer) && view.number(v).isInteger)
        }
    }

    static func describe(_ t: SchemaNode.TypeSet) -> String {
        var names: [String] = []
        if t.contains(.null) { names.append("null") }
        if t.contains(.boolean) { names.append("boolean") }
        if t.contains(.object) { names.append("object") }
        if t.contains(.array) { names.append("array") }
        if t.contains(.number) { names.append("number") }
        if t.contains(.integer) { names.append("integer") }
        if t.contains(.string) { names.append("string") }
        return names.joined(separator: " or ")
    }
}
