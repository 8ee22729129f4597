/// Why a policy-file host pattern was refused; policy mistakes fail at load time rather than silently widening egress.
public struct HostPatternError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Human-readable reason, quoted back to whoever wrote the policy file.
    public let message: String

    /// Wraps a refusal reason.
    public init(_ message: String) {
        self.message = message
    }

    /// The refusal reason.
    public var description: String { message }
}
