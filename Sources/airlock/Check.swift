import AirlockInspection
import AirlockPolicy
import ArgumentParser

extension Airlock {
    /// `airlock check`: loads and validates a policy; every error with file and line.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a policy and everything it names; exit 1 on any error.")

        @OptionGroup var options: PolicyOptions

        func run() async throws {
            let policy = try loadPolicy(options.policy)
            let firewall = try compileFirewall(policy, path: options.policy)
            print("ok: \(policy.sources.joined(separator: ", "))")
            print("listen \(policy.listen), audit \(policy.auditFile)")
            for client in policy.clients.clients {
                let by = [client.tokenDigest == nil ? nil : "token", client.addresses.isEmpty ? nil : "addresses [\(client.addresses.map(\.description).joined(separator: ", "))]"]
                print("  client \(client.name): " + by.compactMap { $0 }.joined(separator: " from "))
            }
            for upstream in policy.upstreams {
                let hosts = upstream.hosts.map(\.description).joined(separator: ", ")
                print("  \(upstream.name): \(upstream.url) hosts [\(hosts)] methods \(upstream.methods.sorted()) mode \(upstream.mode.rawValue) tunnel \(upstream.tunnel.rawValue) redirects \(upstream.redirects.rawValue)")
                print("    limits: \(upstream.limits.summary)")
                print("    clients: " + (upstream.clients.map { "[\($0.sorted().joined(separator: ", "))]" } ?? "any"))
                for rule in upstream.responses {
                    print("    \(rule.id): \(rule.summary)")
                }
                if upstream.unmatched == .block { print("    unmatched responses: block") }
            }
            print("response firewall: \(firewall.summary)")
            for warning in tunnelWarnings(policy) { print(warning) }
        }
    }
}
