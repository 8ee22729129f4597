/// A schema compiled once into linked nodes; validate many `JSONValue`s against it, from any thread.
public struct CompiledSchema: Sendable {
    let root: SchemaNode
    let usesUnevaluated: Bool
    /// Whether some `pattern` of this schema runs on the backtracking engine (callers on latency-sensitive
    /// threads can move such validations elsewhere).
    public let usesRegexFallback: Bool
    let usesDynamicScope: Bool

    /// Compiles the schema stored in `registry` at `uri` (a `#/json/pointer` fragment selects a subschema).
    public init(uri: String, registry: SchemaRegistry, defaultDraft: SchemaDraft = .draft2020_12) throws(SchemaError) {
        let compiler = SchemaCompiler(registry: registry, defaultDraft: defaultDraft)
        root = try compiler.compile(uri: uri)
        usesUnevaluated = compiler.usesUnevaluated
        usesRegexFallback = compiler.usesRegexFallback
        usesDynamicScope = compiler.usesDynamicScope
    }

    init(root: SchemaNode, usesUnevaluated: Bool, usesDynamicScope: Bool, usesRegexFallback: Bool = false) {
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
        var run = ValidationRun(tracking: usesUnevaluated, dynamic: usesDynamicScope, options: options)
        var ev = Evaluated()
        let ok = run.validate(root, value, &ev)
        return ValidationResult(isValid: ok, violations: run.violations)
    }

    /// Fast yes/no validation (first-error mode, no violation details kept).
    public func isValid(_ value: JSONValue, formatAssertion: Bool = false) -> Bool {
        var run = ValidationRun(tracking: usesUnevaluated, dynamic: usesDynamicScope,
                                options: ValidationOptions(formatAssertion: formatAssertion))
        run.quiet = 1
        var ev = Evaluated()
        return run.validate(root, value, &ev)
    }
}
