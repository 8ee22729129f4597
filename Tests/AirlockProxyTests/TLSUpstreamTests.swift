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

    /// A self-signed `openssl s_server` on 127.0.0.1 serving `folder` (`-WWW`: files by path, HTTP/1.0,
    /// the body ends with the connection); `body` gets its port and certificate, and it is killed after.
    /// `names` are the certificate's subject alternative names, `options` more `s_server` options.
    static func withServer(names: String = "IP:127.0.0.1", options: [String] = [],
                           _ body: (_ folder: URL, _ port: Int, _ cert: String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cert = folder.appendingPathComponent("cert.pem").path
        let key = folder.appendingPathComponent("key.pem").path
        try Self.shell(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-days", "1", "-subj", "/CN=airlock-test", "-addext", "subjectAltName=\(names)"])
        let port = try freePort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.currentDirectoryURL = folder
        server.arguments = ["openssl", "s_server", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key, "-WWW", "-quiet"] + options
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
        try await body(folder, port, cert)
    }

    @Test func selfSignedUpstreamIsRefusedUnlessItsCAIsConfigured() async throws {
        try await Self.withServer { folder, port, cert in
            try "hello".write(to: folder.appendingPathComponent("index.txt"), atomically: true, encoding: .utf8)
            let policy = """
                upstreams:
                  secure:
                    url: https://127.0.0.1:\(port)
                    allow_addresses: [127.0.0.1/32]
                """
            let untrusted = try await Harness(policy: policy)
            let refused = try untrusted.gateway("/secure/index.txt")
            await untrusted.stop()
            #expect(refused.status == 502)
            #expect(refused.reason == "upstream_tls_error")

            let trusted = try await Harness(policy: policy, caFile: cert)
            let reached = try trusted.gateway("/secure/index.txt")
            let event = trusted.auditEvent(for: reached)
            await trusted.stop()
            #expect(reached.status == 200 && reached.body == "hello")
            #expect(event?["upstream_status"] as? Int == 200)
        }
    }

    /// Back-pressure over TLS: a relay of 24 MiB to a client that reads nothing for 1.5 s (past the
    /// kernel buffers, so libcurl pauses it with TLS records decrypted or still buffered) arrives
    /// byte-identical once it reads. This guards the pause and continue against losing or repeating
    /// bytes over TLS; that the pause bounds memory is `RelayBackpressureTests`' to show.
    @Test func aPausedRelayOverTLSArrivesIntact() async throws {
        try await Self.withServer { folder, port, cert in
            var file = [UInt8](repeating: 0, count: 24 << 20)
            for i in file.indices where i % 4096 == 0 { file[i] = UInt8(truncatingIfNeeded: i / 4096) }
            try Data(file).write(to: folder.appendingPathComponent("big.bin"))
            let policy = """
                upstreams:
                  secure:
                    url: https://127.0.0.1:\(port)
                    allow_addresses: [127.0.0.1/32]
                    limits: { response_bytes: 64MiB, timeout: 60s }
                """
            let airlock = try await Harness(policy: policy, caFile: cert)
            try await airlock.run {
                let client = try BlockingClient(port: airlock.port)
                defer { client.close() }
                try client.send("GET /secure/big.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                try await Task.sleep(for: .milliseconds(1500))
                let (head, body) = try #require(RelayBackpressureTests.split(client.readToEnd()))
                #expect(head.hasPrefix("HTTP/1.1 200 "))
                let relayed = try #require(RelayBackpressureTests.dechunk(body), "the relayed body is not complete chunked encoding")
                #expect(relayed.count == file.count && relayed == file, "the body differs after \(zip(relayed, file).prefix { $0 == $1 }.count) bytes")
            }
        }
    }
}
