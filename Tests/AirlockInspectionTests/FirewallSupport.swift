import AirlockInspection
import AirlockPolicy
import Foundation

/// Writes a policy (and any schema files) to a fresh folder and compiles its response firewall.
struct FirewallFixture {
    let folder: URL
    let policy: Policy

    init(policy yaml: String, files: [String: String] = [:]) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-fw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let file = folder.appendingPathComponent("policy.yaml")
        try ("audit:\n  file: audit.jsonl\n" + yaml).write(to: file, atomically: true, encoding: .utf8)
        policy = try PolicyLoader.load(path: file.path)
    }

    /// One upstream `name` at `https://<name>.example` with the given `responses:` list (YAML lines
    /// starting with `- match:`), the shape most firewall tests need.
    init(upstream name: String, rules: String, files: [String: String] = [:]) throws {
        let indented = rules.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n")
        try self.init(policy: "upstreams:\n  \(name):\n    url: https://\(name).example\n    responses:\n\(indented)\n", files: files)
    }

    func firewall() throws -> ResponseFirewall { try ResponseFirewall(policy: policy) }

    func upstream(_ name: String) -> Upstream { policy.upstream(named: name)! }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

extension ResponseFirewall {
    /// Inspects a response given as text.
    func check(_ upstream: Upstream, _ method: String = "GET", _ path: String, status: Int = 200,
               contentType: String? = "application/json", body: String, headers: [(String, String)] = []) -> ResponseVerdict {
        var fields = headers.map { (name: $0.0, value: $0.1) }
        if let contentType { fields.append((name: "Content-Type", value: contentType)) }
        return inspect(InspectedResponse(upstream: upstream, method: method, subpath: path, status: status, headers: fields, body: Array(body.utf8)))
    }
}
