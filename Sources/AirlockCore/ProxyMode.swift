/// How the internal client routed its call (see README "Three ways to route a call").
public enum ProxyMode: String, Sendable, Codable {
    /// `http://AIRLOCK/<upstream>/<path>`: Airlock picks the upstream by name.
    case gateway
    /// `HTTP_PROXY`: an absolute-form `http://` request line.
    case forward
    /// `HTTPS_PROXY`: a `CONNECT host:port` tunnel; only the destination is checked.
    case tunnel
}
