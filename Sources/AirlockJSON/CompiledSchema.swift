/// A schema compiled once into linked nodes; validate many `JSONValue`s against it, from any thread.
public struct CompiledSchema: Sendable {
    let root: SchemaNode
    let usesUnevaluated: Bool
    /// Whether some `pattern` of this schema runs on the backtracking engine (callers on latency-sensitive
    /// threads can move such validations elsewhere).
    public let usesRegexFallback: Bool
    let usesDynamicScope: Bool

    /// Compiles the schema stored in `registry` at `uri` (a `#/json/pointer` fragment selects a subschema).
    /// (A one-schema `SchemaSet`; use a set to compile many schemas that share subschemas.)
    public init(uri: String, registry: SchemaRegistry, defaultDraft: SchemaDraft = .draft2020_12) throws(SchemaError) {
        self = try SchemaSet(registry: registry, defaultDraft: defaultDraft).compile(uri: uri)
    }

    init(root: SchemaNode, usesUnevaluated: Bool, usesDynamicScope: Bool, usesRegexFallback: Bool) {
        self.usesRegexFallback = usesRegexFallback
        self.root = root
        self.usesUnevaluated = usesUnevaluated
        self.usesDynamicScope = usesDynamicScope
    }

    /// Compiles an in-memory schema document (registered as `baseURI`).
    public init(schema: JSONValue, registry: SchemaRegistry = SchemaRegistry(), baseURI: String = "urn:airlock:schema",
                defaultDraft: SchemaDraft = .draft2020_12) throws(SchemaError) {
        var reg = registry
        reg.register(schema, uri: baseURI)
        try self.init(uri: URIReference(baseURI).withoutFragment, registry: reg, defaultDraft: defaultDraft)
    }

    /// Validates a value; see `ValidationOptions` for first-error vs collect-all and format assertion.
    public func validate(_ value: JSONValue, options: ValidationOptions = ValidationOptions()) -> ValidationResult {
        validate(JSONTape(value), options: options)
    }

    /// Fast yes/no validation (first-error mode, no violation details kept).
    public func isValid(_ value: JSONValue, formatAssertion: Bool = false) -> Bool {
        isValid(JSONTape(value), formatAssertion: formatAssertion)
    }

    /// Validates a parsed document (`JSONParser.parseTape`) without building a value tree.
    public func validate(_ tape: JSONTape, options: ValidationOptions = ValidationOptions()) -> ValidationResult {
        tape.withView { view in
            var run = ValidationRun(view: view, tracking: usesUnevaluated, dynamic: usesDynamicScope, options: options)
            var ev = Evaluated()
            let answer = run.validate(root, 0, &ev)
            let ok = run.finished(answer)   // a statement of its own: `run.finished(run.validate(…))` reads `run` before the pass
            return ValidationResult(isValid: ok, violations: run.violations)
        }
    }

    /// Fast yes/no validation of a parsed document (first-error mode, no violation details kept).
    public func isValid(_ tape: JSONTape, formatAssertion: Bool = false) -> Bool {
        tape.withView { view in isValid(view, 0, formatAssertion: formatAssertion) }
    }

    /// Yes/no validation of the value at tape position `node` (e.g. each item of a large array).
    func isValid(_ view: TapeView, _ node: Int, formatAssertion: Bool = false) -> Bool {
        var run = ValidationRun(view: view, tracking: usesUnevaluated, dynamic: usesDynamicScope,
                                options: ValidationOptions(formatAssertion: formatAssertion))
        run.quiet = 1
        var ev = Evaluated()
        let answer = run.validate(root, node, &ev)
        return run.finished(answer)
    }
}
