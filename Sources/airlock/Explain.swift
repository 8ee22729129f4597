import AirlockCore
import AirlockCurl
import AirlockPolicy
import ArgumentParser

extension Airlock {
    /// `airlock explain`: the decision for a URL, without sending anything to it.
    struct Explain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the decision and reason for a URL without sending anything.",
            discussion: """
                URL is an absolute http(s) URL (decided as a forward-proxy call), a gateway path \
                /<upstream>/<path>, or host:port with --connect (a CONNECT tunnel). The destination's \
                addresses are resolved (dns.static first, then the system resolver) and checked too. \
                --client decides for a client of the policy (by name, as if it had authenticated, or by \
                the address it would connect from); without it, for an unidentified caller. \
                Exit status: 0 allow or report, 1 deny, 2 usage error.
                """)

        @OptionGroup var options: PolicyOptions

        @Option(name: .long, help: "Decide for this client: a name from the policy's clients, or an address to identify by.")
        var client: String?

        @Option(name: .long, help: "The HTTP method.")
        var method: String = "GET"

        @Flag(name: .long, help: "Treat URL as a CONNECT target host:port.")
        var connect = false

        @Argument(help: "The URL, gateway path, or host:port.")
        var url: String

        func run() async throws {
            let policy = try loadPolicy(options.policy)
            let method = self.method.uppercased()
            var clientName: String?
            if let client {
                if policy.clients.client(named: client) != nil {
                    clientName = client
                    print("client:   \(client)")
                } else if let address = IPAddress(client) {
                    clientName = policy.clients.identify(address: address)
                    print("client:   \(clientName ?? "none") (identified by address \(address))")
                } else {
                    let known = policy.clients.clients.map(\.name)
                    printError("airlock: --client: no client named '\(client)' (clients: \(known.isEmpty ? "none" : known.joined(separator: ", "))), and not an address")
                    throw ExitCode(2)
                }
            }
            let host: TargetURL.Host
            let port: Int
            let upstream: Upstream
            var note: String?
            var responses: String?
            if connect {
                switch Router.tunnel(policy: policy, client: clientName, authority: url) {
                case .deny(let denial, let u): return try deny(denial, upstream: u?.name)
                case .allow(let route):
                    (host, port, upstream) = (route.host, route.port, route.upstream)
                    if let would = route.wouldDeny { note = "report: would deny \(would)" }
                    switch (upstream.tunnel, host) {
                    case (.opaque, _): responses = "not inspected (tunnel: opaque carries any bytes; the TLS server name is not checked)"
                    case (_, .name(let name)): responses = "not inspected; TLS only, its ClientHello must name '\(name)' (else sni_mismatch)"
                    case (_, .address): responses = "not inspected; TLS only, its ClientHello must name no server (else sni_mismatch)"
                    }
                }
            } else {
                let decision = url.hasPrefix("/")
                    ? Router.gateway(policy: policy, client: clientName, method: method, target: url)
                    : Router.forward(policy: policy, client: clientName, method: method, absoluteURL: url)
                switch decision {
                case .deny(let denial, let u): return try deny(denial, upstream: u?.name)
                case .allow(let route):
                    (host, port, upstream) = (route.url.host, route.url.port, route.upstream)
                    print("url:      \(route.url)")
                    if let would = route.wouldDeny { note = "report: would deny \(would)" }
                    let rules = route.upstream.responses.filter { $0.covers(method: method, subpath: route.subpath) }
                    if !rules.isEmpty || route.upstream.unmatched == .block {
                        responses = (rules.isEmpty ? "no rule covers this call" : "checked by " + rules.map(\.id).joined(separator: ", "))
                            + " (first match by status; unmatched: \(route.upstream.unmatched.rawValue))"
                    } else {
                        responses = "not inspected (no rule covers this call)"
                    }
                }
            }
            print("upstream: \(upstream.name) (\(upstream.source))")
            let addresses: [IPAddress]
            switch host {
            case .address(let a): addresses = [a]
            case .name(let name):
                if let fixed = policy.staticDNS[name] {
                    addresses = fixed
                } else {
                    switch SystemDNS.resolve(name) {
                    case .success(let list): addresses = list.compactMap { IPAddress(bytes: $0) }
                    case .failure(let error):
                        print("address:  cannot resolve \(name): \(error.message)")
                        return try deny(Denial(.upstreamUnreachable, "cannot resolve \(name)"), upstream: nil)
                    }
                }
            }
            let addressGuard = AddressGuard(ownAddresses: [(address: IPAddress(policy.listen.host), port: policy.listen.port)])
            for address in addresses {
                if let denial = addressGuard.check(address, port: port, upstream: upstream) {
                    print("address:  \(address) refused")
                    return try deny(denial, upstream: nil)
                }
                print("address:  \(address) allowed")
            }
            if let responses { print("responses: \(responses)") }
            if let note {
                print("decision: report (\(note))")
            } else {
                print("decision: allow")
            }
        }

        /// Prints the refusal; `upstream` is named when it was not printed already.
        private func deny(_ denial: Denial, upstream: String?) throws {
            if let upstream { print("upstream: \(upstream)") }
            print("decision: deny")
            print("reason:   \(denial.reason.rawValue) (\(denial.reason.status))")
            print("detail:   \(denial.detail)")
            throw ExitCode(1)
        }
    }
}
