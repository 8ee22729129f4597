/// A schema that cannot be compiled or loaded, with the location (URI/JSON pointer or path) at fault.
public struct SchemaError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let message: String
    /// Where: an absolute schema location or file path.
    public let location: String

    /// Builds an error.
    public init(message: String, location: String) {
        self.message = message
        self.location = location
    }

    /// "location: message".
    public var description: String { "\(location): \(message)" }
}
