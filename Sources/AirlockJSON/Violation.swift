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
