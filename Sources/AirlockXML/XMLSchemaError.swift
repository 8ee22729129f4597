/// Why an XSD could not be loaded: a schema error must stop `airlock check`, never fail open at request time.
public struct XMLSchemaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The schema path as given.
    public let path: String
    /// libxml2's messages (file:line: message, one per line), or the I/O failure.
    public let message: String

    /// Creates the error.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `path: message`.
    public var description: String {
        "\(path): \(message)"
    }
}
