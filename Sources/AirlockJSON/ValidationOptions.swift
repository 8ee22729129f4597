/// How to validate: stop at the first error (fast path) or collect all, and whether `format` asserts.
public struct ValidationOptions: Sendable, Equatable {
    /// Collect every violation instead of stopping at the first.
    public var collectAll: Bool
    /// Treat `format` as an assertion (date-time, email, uuid, …) instead of an annotation.
    public var formatAssertion: Bool

    /// Builds options (defaults: first error, format as annotation).
    public init(collectAll: Bool = false, formatAssertion: Bool = false) {
        self.collectAll = collectAll
        self.formatAssertion = formatAssertion
    }
}
