/// A refusal: the stable reason code plus a detail for people and the audit log.
///
/// The detail never contains credentials; it names the rule, the address or the
/// location in a document that caused the refusal.
public struct Denial: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable code (what dashboards and tests match on).
    public let reason: Reason
    /// A readable explanation naming the rule or value involved.
    public let detail: String
    /// Seconds after which a retry may succeed (`Retry-After`), for refusals that pass: a rate
    /// limit says when; nil leaves it to the status (503: 1 s; otherwise none).
    public let retryAfter: Int?
    /// What the client is told instead of `detail`, where the detail would tell a caller more than
    /// it may know (a failed login: which part of the credential failed stays in the audit log).
    public let answer: String?

    /// Creates a refusal with its code and an explanation.
    public init(_ reason: Reason, _ detail: String, retryAfter: Int? = nil, answer: String? = nil) {
        self.reason = reason
        self.detail = detail
        self.retryAfter = retryAfter
        self.answer = answer
    }

    /// `reason: detail`, for logs and CLI output.
    public var description: String { "\(reason.rawValue): \(detail)" }
}
