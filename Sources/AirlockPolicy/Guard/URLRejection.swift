/// Why a URL, authority or host was refused; refusals are specific so operators can see which SSRF trick was blocked.
public struct URLRejection: Error, Equatable, Sendable, CustomStringConvertible {
    /// Human-readable reason, suitable for logs and the proxy's error response.
    public let message: String

    /// Wraps a refusal reason.
    public init(_ message: String) {
        self.message = message
    }

    /// The refusal reason.
    public var description: String { message }
}
