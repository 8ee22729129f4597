/// A refusal: the stable reason code plus a detail for people and the audit log.
///
/// The detail never contains credentials; it names the rule, the address or the
/// location in a document that caused the refusal.
public struct Denial: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable code (what dashboards and tests match on).
    public let reason: Reason
    /// A readable explanation naming the rule or value involved.
    public let detail: String

    /// Creates a refusal with its code and an explanation.
    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    /// `reason: detail`, for logs and CLI output.
    public var description: String { "\(reason.rawValue): \(detail)" }
}
