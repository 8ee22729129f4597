import AirlockCore

/// Where an allowed call goes, as decided from the policy alone (no I/O).
public struct Route: Sendable {
    /// The upstream whose rules allowed the call.
    public let upstream: Upstream
    /// The URL Airlock calls (gateway: the upstream's URL plus the path; forward: the client's URL).
    public let url: TargetURL
    /// The method to send.
    public let method: String
    /// The path below the upstream's base path (what response rules match, in every mode).
    public let subpath: String
    /// The caller's client name (nil: unidentified); every redirect hop is decided for it too.
    public let client: String?
    /// In `mode: report`, the refusal that enforce mode would have made.
    public let wouldDeny: Denial?
}

/// A CONNECT tunnel that may be opened.
public struct TunnelRoute: Sendable {
    /// The upstream whose rules allowed the tunnel.
    public let upstream: Upstream
    /// The destination host (name or address literal).
    public let host: TargetURL.Host
    /// The destination port.
    public let port: Int
    /// In report mode: the client refusal that enforce mode would have made (the tunnel opens anyway).
    public var wouldDeny: Denial? = nil
}

/// The outcome of a pure policy decision.
public enum Decision<Allowed: Sendable>: Sendable {
    /// The call may proceed (subject to the address check at connect time).
    case allow(Allowed)
    /// The call is refused; `upstream` is set when one was identified (for the audit log).
    case deny(Denial, upstream: Upstream?)
}
