/// One reason an instance is invalid: where in the document, which schema keyword, and why.
public struct Violation: Sendable, Equatable, CustomStringConvertible {
    /// JSON Pointer to the offending value in the instance ("" is the root).
    public let instanceLocation: String
    /// Location of the failing keyword (JSON Pointer in the root schema, or absolute URI#pointer elsewhere).
    public let keywordLocation: String
    /// Readable explanation.
    public let message: String

    /// Builds a violation.
    public init(instanceLocation: String, keywordLocation: String, message: String) {
        self.instanceLocation = instanceLocation
        self.keywordLocation = keywordLocation
        self.message = message
    }

    /// "pointer: message".
    public var description: String { "\(instanceLocation.isEmpty ? "/" : instanceLocation): \(message)" }
}

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

/// The verdict of one validation.
public struct ValidationResult: Sendable, Equatable {
    /// True when no violation was found.
    public let isValid: Bool
    /// The violations found (at most one unless `collectAll`).
    public let violations: [Violation]
}

/// Annotation state for unevaluatedProperties/unevaluatedItems.
struct Evaluated {
    var props: Set<String> = []
    var allItems = false
    var prefix = 0
    var indices: Set<Int> = []

    mutating func merge(_ o: Evaluated) {
        if !o.props.isEmpty { props.formUnion(o.props) }
        if o.allItems { allItems = true }
        if o.prefix > prefix { prefix = o.prefix }
        if !o.indices.isEmpty { indices.formUnion(o.indices) }
    }
}

/// A step in the instance path.
enum PathToken {
    case key(String)
    case index(Int)
}
