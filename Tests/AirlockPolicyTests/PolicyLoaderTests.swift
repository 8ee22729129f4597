import Foundation
import Testing
@testable import AirlockPolicy

/// Loading: every refusal names the file and the line; a valid file yields the model.
struct PolicyLoaderTests {
    static func fixture(_ name: String) -> String {
        Bundle.module.path(forResource: name, ofType: "yaml", inDirectory: "Fixtures")!
    }

    static func errors(_ name: String) -> [PolicyError] {
        do {
            _ = try PolicyLoader.load(path: fixture(name))
            return []
        } catch {
            return error.errors
        }
    }

    @Test func loadsAFullPolicy() throws {
        let policy = try PolicyLoader.load(path: Self.fixture("valid_full"))
        #expect(policy.listen == Policy.Listen(host: "127.0.0.1", port: 4751))
        #expect(policy.auditFile.hasSuffix("/Fixtures/logs/audit.jsonl"))
        #expect(policy.staticDNS["partner.test"] == [IPAddress("127.0.0.1")!, IPAddress("::1")!])
        let stripe = try #require(policy.upstream(named: "stripe"))
        #expect(stripe.methods == ["GET", "POST"])
        #expect(stripe.redirects == .follow)
        #expect(stripe.limits.responseBytes == 2 << 20)
        #expect(stripe.limits.connectTimeoutMs == 250)
        #expect(stripe.limits.timeoutMs == 5000)
        #expect(stripe.limits.concurrentCalls == 32)
        #expect(stripe.ports == [443])
        #expect(stripe.matchesHost(.name("api.stripe.com")))
        #expect(stripe.matchesHost(.name("m.stripe.network")))
        #expect(!stripe.matchesHost(.name("stripe.network")))
        let partner = try #require(policy.upstream(named: "partner"))
        #expect(partner.basePath == "/api")
        #expect(partner.mode == .report)
        #expect(partner.redirects == .block)
        #expect(partner.methods == ["GET", "HEAD"])
        #expect(partner.limits.concurrentCalls == Limits.defaults.concurrentCalls)
    }

    @Test(arguments: [
        ("deny_unknown_key", 4, "unknown key 'method'"),
        ("deny_unknown_top_key", 1, "unknown key 'upstream'"),
        ("deny_bad_cidr", 4, "is not a CIDR"),
        ("deny_bare_wildcard", 4, "'*'"),
        ("deny_double_wildcard", 4, "*.*.example.com"),
        ("deny_middle_wildcard", 4, "api.*.example.com"),
        ("deny_non_punycode_host", 4, "bücher.example"),
        ("deny_bad_duration", 2, "is not a duration"),
        ("deny_bad_size", 4, "is not a size"),
        ("deny_bad_concurrency", 4, "is not a number of calls"),
        ("deny_missing_url", 2, "'url' is required"),
        ("deny_bad_scheme", 3, "scheme must be http or https"),
        ("deny_duplicate_key", 3, "duplicate key"),
        ("deny_bad_mode", 4, "must be enforce or report"),
        ("deny_bad_tunnel", 4, "tunnel must be deny, allow or opaque, not 'yes'"),
        ("deny_bad_listen", 1, "listen must be HOST:PORT"),
        ("deny_bad_static_address", 3, "is not an IP address"),
        ("deny_bad_path", 4, "is not a path pattern"),
        ("deny_yaml_syntax", 4, "YAML"),
        // Yams takes a tagged copy of a key for another key (the tag, and a repeated text, are refused).
        ("deny_tagged_duplicate_key", 5, "YAML tag '!x'"),
        ("deny_alias", 4, "YAML anchors and aliases"),
        ("deny_custom_tag", 3, "YAML tag '!secret'"),
        ("deny_allow_everything", 4, "is every address"),
        ("deny_url_fragment", 3, "must not have a query or a fragment"),
        ("deny_empty_match_methods", 5, "would match nothing"),
        ("deny_empty_file", 0, "the file is empty"),
    ])
    func refusesWithFileAndLine(fixture: String, line: Int, message: String) {
        let errors = Self.errors(fixture)
        #expect(!errors.isEmpty, "\(fixture) loaded")
        let first = errors.first
        #expect(first?.file.hasSuffix("\(fixture).yaml") == true)
        #expect(first?.line == line, "\(fixture): \(errors)")
        #expect(first?.message.contains(message) == true, "\(fixture): \(errors)")
    }

    @Test func refusesAPolicyWithoutUpstreams() {
        let errors = Self.errors("deny_no_upstreams")
        #expect(errors.first?.message.contains("no upstreams") == true)
    }

    @Test func refusesAMissingFile() {
        do {
            _ = try PolicyLoader.load(path: "/nonexistent/policy.yaml")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.errors.first?.message == "no such file or folder")
        }
    }

    @Test func mergesAFolderAndRefusesDuplicateUpstreams() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-folder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "upstreams:\n  a:\n    url: https://a.example.com\n".write(to: folder.appendingPathComponent("10-a.yaml"), atomically: true, encoding: .utf8)
        try "upstreams:\n  b:\n    url: https://b.example.com\n".write(to: folder.appendingPathComponent("20-b.yml"), atomically: true, encoding: .utf8)
        let policy = try PolicyLoader.load(path: folder.path)
        #expect(policy.upstreams.map(\.name) == ["a", "b"])
        try "upstreams:\n  a:\n    url: https://c.example.com\n".write(to: folder.appendingPathComponent("30-dup.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try PolicyLoader.load(path: folder.path)
            Issue.record("duplicate upstream accepted")
        } catch {
            #expect(error.errors.first?.message.contains("already defined") == true)
            #expect(error.errors.first?.line == 2)
        }
    }

    /// Every policy shipped in Policies/ loads (STYLE: a test loads every shipped file).
    @Test func shippedPoliciesLoad() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("Policies")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for file in files {
            #expect(throws: Never.self) { try PolicyLoader.load(path: folder.appendingPathComponent(file).path) }
        }
    }

    @Test(arguments: [("5MiB", 5 << 20), ("512", 512), ("64KB", 64_000), ("1GiB", 1 << 30), ("2 KiB", 2048)])
    func parsesSizes(text: String, bytes: Int) { #expect(Quantity.bytes(text) == bytes) }

    @Test(arguments: [("250ms", 250), ("3s", 3000), ("2m", 120_000), ("1h", 3_600_000)])
    func parsesDurations(text: String, ms: Int) { #expect(Quantity.milliseconds(text) == ms) }

    @Test(arguments: ["3", "", "s", "-1s", "1.5s", "99999999999999999999s", "5 lots"])
    func refusesBadQuantities(text: String) {
        #expect(Quantity.milliseconds(text) == nil)
        #expect(Quantity.bytes(text) == nil || text == "3")
    }
}
