import AirlockTestSupport
import Foundation
import Testing

/// Upstream TLS is verified: a certificate nobody vouches for is `upstream_tls_error`;
/// the same server with its CA configured is reached. The TLS server is `openssl s_server`.
@Suite(.serialized) struct TLSUpstreamTests {
    static func shell(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
    }

    @Test func selfSignedUpstreamIsRefusedUnlessItsCAIsConfigured() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cert = folder.appendingPathComponent("cert.pem").path
        let key = folder.appendingPathComponent("key.pem").path
        try Self.shell(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        let port = try freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["openssl", "s_server", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key, "-www", "-quiet"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        // SIGKILL, not terminate(): the child inherits the test runner's signal mask, in which SIGTERM is
        // blocked, so a SIGTERM stayed pending and every run left an s_server listening on loopback.
        defer {
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        // Wait until it accepts connections.
        for _ in 0..<100 {
            if (try? await RawClient.exchange(port: port, bytes: "", timeoutMs: 50)) != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let policy = """
            upstreams:
              secure:
                url: https://127.0.0.1:\(port)
                allow_addresses: [127.0.0.1/32]
            """
        let untrusted = try await Harness(policy: policy)
        let refused = try untrusted.gateway("/secure/")
        await untrusted.stop()
        #expect(refused.status == 502)
        #expect(refused.reason == "upstream_tls_error")

        let trusted = try await Harness(policy: policy, caFile: cert)
        let reached = try trusted.gateway("/secure/")
        let event = trusted.auditEvent(for: reached)
        await trusted.stop()
        #expect(reached.status == 200)
        #expect(event?["upstream_status"] as? Int == 200)
    }
}
