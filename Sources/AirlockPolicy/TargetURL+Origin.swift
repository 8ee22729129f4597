extension TargetURL.Host {
    /// The host as allowlists and audit records see it: a name, or an address in canonical
    /// form without brackets.
    public var text: String {
        switch self {
        case .name(let name): name
        case .address(let address): address.description
        }
    }
}

extension TargetURL {
    /// `scheme://host[:port]` with the port only when it is not the scheme's default:
    /// the prefix of gateway URLs, and what redirect hops compare to detect a new origin.
    public var origin: String {
        let defaultPort = (scheme == "http" && port == 80) || (scheme == "https" && port == 443)
        return scheme + "://" + hostString + (defaultPort ? "" : ":\(port)")
    }
}
