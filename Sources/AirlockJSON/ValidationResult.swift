/// The verdict of one validation.
public struct ValidationResult: Sendable, Equatable {
    /// True when no violation was found.
    public let isValid: Bool
    /// The violations found (at most one unless `collectAll`).
    public let violations: [Violation]
}
