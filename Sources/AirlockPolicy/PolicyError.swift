/// A problem in a policy file, located by file and line so `airlock check` can point at it.
///
/// Policies are parsed and validated once at load; every refusal to load names where
/// the problem is, because an unnoticed typo in an allowlist widens or narrows access.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file the problem is in (as given to the loader).
    public let file: String
    /// 1-based line, or 0 when the problem concerns the whole file.
    public let line: Int
    /// 1-based column, or 0 when unknown.
    public let column: Int
    /// What is wrong, naming the key and the value.
    public let message: String

    /// Creates a located policy error.
    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`, the shape editors and CI logs recognise.
    public var description: String {
        line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)"
    }
}

/// All problems found while loading, so one `airlock check` run reports every one of them.
public struct PolicyErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, in file order.
    public let errors: [PolicyError]

    /// Wraps a list of problems (never empty when thrown).
    public init(_ errors: [PolicyError]) { self.errors = errors }

    /// One problem per line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
