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

    /// The last keyword of the violation a pass records when it runs out of its work budget (see
    /// `ValidationRun.budget`): the document is refused for what it costs, not for what it says.
    public static let budgetKeyword = "validation_budget"

    /// The violation of a pass that ran out of its budget at the schema location `at`.
    static func budgetExhausted(at location: String, budget: Int) -> Violation {
        Violation(instanceLocation: "", keywordLocation: location + "/" + budgetKeyword,
                  message: "validation needed more than \(budget) schema evaluations (nested oneOf/anyOf branches re-validating the same values), so the document is refused")
    }

    /// "pointer: message".
    public var description: String { "\(instanceLocation.isEmpty ? "/" : instanceLocation): \(message)" }
}
