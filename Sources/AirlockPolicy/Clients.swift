import AirlockCore
import Foundation

/// One internal service the policy names (`clients.<name>`), identified by where it connects
/// from, by a token, or by both.
public struct Client: Sendable, Equatable {
    /// The name used in `upstreams.<u>.clients`, in audit events and in `explain --client`.
    public let name: String
    /// Source addresses this client connects from. Without a token, a connection from one of
    /// them is this client; with a token, the token is accepted only from them (empty: anywhere).
    public let addresses: [CIDR]
    /// SHA-256 of the client's token (`Proxy-Authorization: Basic base64(name:token)` or
    /// `Bearer token`); the token itself never appears in a policy.
    public let tokenDigest: [UInt8]?
    /// Where the client is defined, for messages.
    public let source: String

    /// Creates a validated client (the loader is the only caller outside tests).
    public init(name: String, addresses: [CIDR], tokenDigest: [UInt8]?, source: String) {
        self.name = name
        self.addresses = addresses
        self.tokenDigest = tokenDigest
        self.source = source
    }

    /// Whether `address` is one this client may connect from.
    func acceptsAddress(_ address: IPAddress?) -> Bool {
        guard !addresses.isEmpty else { return true }
        guard let address else { return false }
        return addresses.contains { $0.contains(address) }
    }
}

/// The clients a policy names, and how a request is matched to one (the "who is asking" of
/// every decision). Pure: the proxy hands in the peer address and the `Proxy-Authorization`
/// value, the directory answers with a name, none, or a refusal.
public struct ClientDirectory: Sendable {
    /// The clients, in file order.
    public let clients: [Client]
    private let byName: [String: Int]
    /// Address-identified clients (no token), most specific block first.
    private let byAddress: [(block: CIDR, client: String)]

    /// A policy without a `clients` section: nobody is identified.
    public static let empty = ClientDirectory(clients: [])

    /// Builds the lookup tables once.
    public init(clients: [Client]) {
        self.clients = clients
        hasTokens = clients.contains { $0.tokenDigest != nil }
        byName = Dictionary(clients.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        byAddress = clients.filter { $0.tokenDigest == nil }
            .flatMap { client in client.addresses.map { (block: $0, client: client.name) } }
            .sorted { $0.block.prefixLength > $1.block.prefixLength }
    }

    /// Whether the policy names any client.
    public var isEmpty: Bool { clients.isEmpty }
    /// Whether some client authenticates with a token; if none does, `Proxy-Authorization` proves
    /// nothing and is not read (it is removed before the upstream either way).
    public let hasTokens: Bool

    /// The client called `name`.
    public func client(named name: String) -> Client? {
        byName[name].map { clients[$0] }
    }

    /// The client a connection from `address` is, without credentials: the most specific block
    /// of a client without a token that holds it; nil when none does.
    public func identify(address: IPAddress?) -> String? {
        guard let address = address.map(Self.unmapped) else { return nil }
        return byAddress.first { $0.block.contains(address) }?.client
    }

    /// Who a caller that an earlier policy identified as `name` is under this one (a reload, for the
    /// connections it outlives): a token client (`tokenDigest`: the digest that admitted it) keeps
    /// its name while this directory still has it with the same token and admits its address, and
    /// is refused otherwise, as a new login with that token would be; any other caller is whoever
    /// its address identifies now.
    public func reidentify(name: String?, tokenDigest: [UInt8]?, address: IPAddress?) -> Result<String?, Denial> {
        guard let name, let tokenDigest else { return .success(identify(address: address)) }
        guard let current = client(named: name), current.tokenDigest == tokenDigest, current.acceptsAddress(address.map(Self.unmapped)) else {
            return .failure(Denial(.clientUnauthenticated, "client '\(name)' no longer authenticates with the token it used, or not from \(address?.description ?? "an unknown address")"))
        }
        return .success(name)
    }

    /// The client that presented `authorization` (the `Proxy-Authorization` value) from
    /// `address`. Credentials that name no client, carry a wrong token, come from an address the
    /// client may not use or cannot be read are a refusal (`client_unauthenticated`), never a
    /// fall-back to the address alone: a wrong credential is a failed login, not an anonymous call.
    public func authenticate(authorization: String, address: IPAddress?) -> Result<String, Denial> {
        let address = address.map(Self.unmapped)
        func refuse(_ detail: String) -> Result<String, Denial> { .failure(Denial(.clientUnauthenticated, detail)) }
        let value = authorization.trimmingCharacters(in: .whitespaces)
        guard let space = value.firstIndex(of: " ") else { return refuse("Proxy-Authorization is not 'Basic …' or 'Bearer …'") }
        let scheme = value[..<space].lowercased()
        let credential = value[value.index(after: space)...].trimmingCharacters(in: .whitespaces)
        let name: String?
        let token: [UInt8]
        switch scheme {
        case "basic":
            guard let data = Data(base64Encoded: credential), let colon = data.firstIndex(of: UInt8(ascii: ":")) else {
                return refuse("Proxy-Authorization Basic credentials are not base64 of name:token")
            }
            name = String(decoding: data[data.startIndex..<colon], as: UTF8.self)
            token = Array(data[data.index(after: colon)...])
        case "bearer":
            name = nil
            token = Array(credential.utf8)
        default:
            return refuse("Proxy-Authorization scheme '\(Self.printable(String(scheme)))' is not Basic or Bearer")
        }
        guard !token.isEmpty else { return refuse("the token is empty") }
        // Hashed before the name is looked at, so the time taken does not tell which names exist.
        let digest = SHA256.hash(token)
        let claimed = name.flatMap { client(named: $0) }.flatMap { $0.tokenDigest == nil ? nil : $0 }
        // What went wrong with a well-formed credential is for the audit log: the caller is told only
        // that it was not accepted, so it learns neither which names exist nor that a stolen token
        // is valid from somewhere else.
        func rejected(_ detail: String) -> Result<String, Denial> {
            .failure(Denial(.clientUnauthenticated, detail, answer: "the Proxy-Authorization credentials were not accepted"))
        }
        if name != nil && claimed == nil {
            // Not echoed: a client that put its token in the user name (HTTP_PROXY=http://TOKEN@…)
            // would have it written to the audit log and the error body.
            return rejected("the Basic credentials name no client that authenticates with a token")
        }
        // Every token client is compared (in constant time each), so the time taken does not
        // tell which client's digest came closest.
        var match: Client?
        for client in clients {
            if let expected = client.tokenDigest, SHA256.equal(expected, digest), claimed == nil || claimed?.name == client.name, match == nil {
                match = client
            }
        }
        guard let match else {
            return rejected(claimed.map { "wrong token for client '\($0.name)'" } ?? "the bearer token belongs to no client")
        }
        guard match.acceptsAddress(address) else {
            return rejected("client '\(match.name)' may not authenticate from \(address?.description ?? "an unknown address")")
        }
        return .success(match.name)
    }

    /// `::ffff:a.b.c.d` (a v4 client on a dual-stack listener) as the IPv4 address it is.
    public static func unmapped(_ address: IPAddress) -> IPAddress {
        if !address.isV4, address.hi == 0, address.lo >> 32 == 0xFFFF { return .v4(UInt32(truncatingIfNeeded: address.lo)) }
        return address
    }

    /// A client-supplied string made safe for a message: printable ASCII only, at most 64 characters.
    static func printable(_ text: String) -> String {
        let kept = text.unicodeScalars.prefix(64).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7f ? Character($0) : "?" }
        return String(kept)
    }
}
