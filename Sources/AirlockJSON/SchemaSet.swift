/// Compiles many schemas out of one registry in a single session, so subschemas they share
/// (an OpenAPI document's `components`, reached from hundreds of operations) are compiled once.
///
/// Used at load time only; the `CompiledSchema`s it returns are immutable and thread-safe.
public final class SchemaSet {
    private let compiler: SchemaCompiler
    /// The documents the session compiles from.
    public let registry: SchemaRegistry

    /// Starts a session over `registry`; schemas without `$schema` use `defaultDraft`.
    /// `refusingBacktrackingPatterns`: see `SchemaPattern.backtrackingRisk` (the proxy sets it; offline tools need not).
    public init(registry: SchemaRegistry, defaultDraft: SchemaDraft = .draft2020_12, refusingBacktrackingPatterns: Bool = false) {
        compiler = SchemaCompiler(registry: registry, defaultDraft: defaultDraft)
        compiler.refusesBacktrackingPatterns = refusingBacktrackingPatterns
        self.registry = registry
    }

    /// Compiles the schema at `uri` (absolute, with an optional `#/json/pointer` fragment).
    public func compile(uri: String) throws(SchemaError) -> CompiledSchema {
        let root = try compiler.compile(uri: uri)
        return CompiledSchema(root: root, usesUnevaluated: compiler.usesUnevaluated, usesDynamicScope: compiler.usesDynamicScope,
                              usesRegexFallback: compiler.usesRegexFallback)
    }
}
