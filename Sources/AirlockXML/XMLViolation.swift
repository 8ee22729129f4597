/// One XSD violation: where it is (line and node path) and libxml2's explanation, for the client and the audit log.
public struct XMLViolation: Sendable, Hashable, CustomStringConvertible {
    /// Line of the offending element in the document (0 when unknown).
    public let line: Int
    /// XPath-like path of the offending node, e.g. `/order/items/item[2]/price` or `/order/item/@sku`.
    public let path: String
    /// libxml2's message, single line, e.g. `Element 'price': 'abc' is not a valid value of the atomic type 'xs:decimal'.`
    public let message: String

    /// Creates a violation (public so callers can build expected values in tests).
    public init(line: Int, path: String, message: String) {
        self.line = line
        self.path = path
        self.message = message
    }

    /// `path (line N)`: the location printed by `airlock validate`.
    public var location: String {
        line > 0 ? "\(path) (line \(line))" : path
    }

    /// `location: message`.
    public var description: String {
        "\(location): \(message)"
    }
}
