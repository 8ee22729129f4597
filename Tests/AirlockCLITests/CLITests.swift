import AirlockTestSupport
import Foundation
import Testing

/// The `airlock` binary as a user runs it: exit codes, messages, a real serve and a clean stop.
@Suite(.serialized) struct CLITests {
    /// The built `airlock` next to the test bundle (same build folder).
    static let binary: String = {
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for folder in [besideTests, besideTests.deletingLastPathComponent()] {
            let candidate = folder.appendingPathComponent("airlock").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/airlock").path
    }()

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Output {
        let status: Int32
        let out: String
        let err: String
    }

    static func run(_ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self))
    }

    static func tempFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// What a third party wrote can reach the audit log (a JSON key in a violation's location); the
    /// table shows it with control characters and bidirectional overrides escaped, never raw, so a
    /// terminal does not obey an ESC sequence from an upstream.
    @Test func auditTableEscapesControlCharacters() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let line = #"{"time":"2026-12-04T10:00:00.000Z","request_id":"r1","client":"c","mode":"gateway","method":"GET","url":"/api/x","upstream":"api","decision":"deny","reason":"schema_violation","detail":"/\u001b[2J\u001b]0;pwned\u0007: value is not of type integer \u009b31m \u202egnp.exe","location":"/\u001b[2J","status":502,"bytes_in":0,"bytes_out":0,"duration_ms":1}"#
        try (line + "\n").write(to: file, atomically: true, encoding: .utf8)
        let table = try Self.run(["audit", "--file", file.path])
        #expect(table.status == 0 && table.out.contains("1 event(s)"), "\(table.out)")
        #expect(!table.out.unicodeScalars.contains { $0.value == 0x1b || $0.value == 0x07 || $0.value == 0x9b || $0.value == 0x202e }, "\(table.out.debugDescription)")
        #expect(table.out.contains("\\u{1b}[2J") && table.out.contains("\\u{9b}31m") && table.out.contains("\\u{202e}gnp.exe"), "\(table.out)")
        // --json hands the record on as it was written (JSON escapes its control characters).
        let json = try Self.run(["audit", "--file", file.path, "--json"])
        #expect(!json.out.unicodeScalars.contains { $0.value == 0x1b } && json.out.contains("\\u001b"), "\(json.out)")
    }

    /// Schemas and audit logs are input too: what would have trapped the process (an overflowing
    /// quantifier in a pattern's safety check, a $ref chain deeper than the stack, a duration no
    /// clock gives) is an error or a value, never a crash.
    @Test func hostileSchemasAndLogLinesAreErrorsNotCrashes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pattern = #"{"type":"object","properties":{"id":{"type":"string","pattern":"(?#{0,99999999999999999999})x"}}}"#
        try pattern.write(to: folder.appendingPathComponent("pattern.json"), atomically: true, encoding: .utf8)
        let defs = (0..<20_000).map { "\"d\($0)\":{\"$ref\":\"#/$defs/d\($0 + 1)\"}" }.joined(separator: ",")
        let chain = ##"{"$schema":"https://json-schema.org/draft/2020-12/schema","$ref":"#/$defs/d0","$defs":{"## + defs + ##","d20000":{"type":"string"}}}"##
        try chain.write(to: folder.appendingPathComponent("chain.json"), atomically: true, encoding: .utf8)
        for (schema, expected) in [("pattern.json", nil as String?), ("chain.json", "deeper than 512")] {
            let policy = folder.appendingPathComponent("policy-\(schema).yaml")
            try """
                upstreams:
                  api:
                    url: https://api.example.com
                    responses:
                      - schema: \(schema)
                """.write(to: policy, atomically: true, encoding: .utf8)
            let check = try Self.run(["check", "--policy", policy.path])
            #expect(check.status == 0 || check.status == 1, "\(schema): exit \(check.status) \(check.err)")
            if let expected { #expect(check.status == 1 && (check.out + check.err).contains(expected), "\(check.out) \(check.err)") }
        }
        let log = folder.appendingPathComponent("audit.jsonl")
        try #"{"time":"2026-12-04T10:00:00.000Z","request_id":"r","client":"c","mode":"gateway","method":"GET","url":"/","decision":"allow","status":200,"duration_ms":1e300}"#
            .appending("\n").write(to: log, atomically: true, encoding: .utf8)
        let json = try Self.run(["audit", "--file", log.path, "--json"])
        #expect(json.status == 0 && json.out.contains("\"duration_ms\":0"), "\(json.status) \(json.out) \(json.err)")
        let since = try Self.run(["audit", "--file", log.path, "--since", "999999999999999d"])
        // Refused as a usage error (ArgumentParser's 64), not a trap: a crash would end on a signal.
        #expect(since.status == 64 && since.err.contains("--since must be"), "\(since.status) \(since.err)")
    }

    @Test func checkAcceptsTheExamplePolicy() throws {
        let result = try Self.run(["check", "--policy", Self.root.appendingPathComponent("Policies/example.yaml").path])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.contains("ok:"))
    }

    @Test func checkReportsEveryErrorWithFileAndLine() throws {
        let folder = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.yaml")
        try "upstreams:\n  a:\n    url: https://a.example.com\n    hosts: [\"*\"]\n    mehtods: [GET]\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try Self.run(["check", "--policy", file.path])
        #expect(result.status == 1)
        #expect(result.err.contains("bad.yaml:4:"), "\(result.err)")
        #expect(result.err.contains("bad.yaml:5:"), "\(result.err)")
        #expect(result.err.contains("unknown key 'mehtods'"))
    }

    @Test func checkCompilesSchemasAndNamesBrokenReferences() throws {
        let folder = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ##"{"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}}"##.write(
            to: folder.appendingPathComponent("thing.json"), atomically: true, encoding: .utf8)
        let file = folder.appendingPathComponent("p.yaml")
        try """
        upstreams:
          a:
            url: https://a.example.com
            responses:
              - match: { path: "/things/*" }
                schema: thing.json
        """.write(to: file, atomically: true, encoding: .utf8)
        let result = try Self.run(["check", "--policy", file.path])
        #expect(result.status == 1)
        #expect(result.err.contains("p.yaml:5:"), "\(result.err)")
        #expect(result.err.contains("a.responses[0]"))
        #expect(result.err.contains("thing.json#/properties/a/$ref"), "\(result.err)")
        #expect(result.err.contains("#/$defs/missing"))
        // The example's schemas compile.
        let example = try Self.run(["check", "--policy", Self.root.appendingPathComponent("Policies/example.yaml").path])
        #expect(example.out.contains("demo.responses[0]: path /charges/*"), "\(example.out)")
        #expect(example.out.contains("response firewall: 3 response rule(s), 2 schema(s)"))
        #expect(example.out.contains("    limits: response_bytes 5MiB, request_bytes 1MiB, connect_timeout 3s, timeout 15s, compression_ratio 100, concurrent_calls 256"), "\(example.out)")
    }

    @Test func explainShowsTheDecisionWithoutSending() throws {
        let example = Self.root.appendingPathComponent("Policies/example.yaml").path
        let metadata = try Self.run(["explain", "--policy", example, "http://2852039166/latest/meta-data/"])
        #expect(metadata.status == 1)
        #expect(metadata.out.contains("host_not_allowed"))
        let partner = try Self.run(["explain", "--policy", example, "/partner/latest/meta-data/"])
        #expect(partner.status == 1)
        #expect(partner.out.contains("address_forbidden"))
        #expect(partner.out.contains("169.254.169.254"))
        let tunnel = try Self.run(["explain", "--policy", example, "--connect", "api.stripe.com:443"])
        #expect(tunnel.out.contains("tunnel_not_allowed"))
        let demo = try Self.run(["explain", "--policy", example, "/demo/charges/ch_1.json"])
        #expect(demo.out.contains("responses: checked by demo.responses[0], demo.responses[2]"), "\(demo.out)")
    }

    @Test func explainDecidesForAClientByNameOrAddress() throws {
        let folder = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("clients.yaml")
        try """
            clients:
              ops:
                addresses: [127.0.0.2/32]
              robot:
                token_sha256: \(String(repeating: "ab", count: 32))
            upstreams:
              local:
                url: http://127.0.0.1:9
                allow_addresses: [127.0.0.1/32]
                clients: [ops]
              bots:
                url: http://127.0.0.1:9/bots
                allow_addresses: [127.0.0.1/32]
                clients: [robot]
            """.write(to: file, atomically: true, encoding: .utf8)
        let ops = try Self.run(["explain", "--policy", file.path, "--client", "ops", "/local/x"])
        #expect(ops.status == 0 && ops.out.contains("client:   ops") && ops.out.contains("decision: allow"), "\(ops.out)")
        let byAddress = try Self.run(["explain", "--policy", file.path, "--client", "127.0.0.2", "/local/x"])
        #expect(byAddress.status == 0 && byAddress.out.contains("client:   ops (identified by address 127.0.0.2)"), "\(byAddress.out)")
        let other = try Self.run(["explain", "--policy", file.path, "--client", "127.0.0.1", "/local/x"])
        #expect(other.status == 1 && other.out.contains("client_not_permitted (403)"), "\(other.out)")
        let anonymous = try Self.run(["explain", "--policy", file.path, "/bots/x"])
        #expect(anonymous.status == 1 && anonymous.out.contains("client_unauthenticated (407)"), "\(anonymous.out)")
        let robot = try Self.run(["explain", "--policy", file.path, "--client", "robot", "/bots/x"])
        #expect(robot.status == 0, "\(robot.out)")
        let unknown = try Self.run(["explain", "--policy", file.path, "--client", "nobody", "/local/x"])
        #expect(unknown.status == 2 && unknown.err.contains("no client named 'nobody' (clients: ops, robot)"), "\(unknown.err)")
        let check = try Self.run(["check", "--policy", file.path])
        #expect(check.out.contains("client ops: addresses [127.0.0.2/32]") && check.out.contains("client robot: token"), "\(check.out)")
        #expect(check.out.contains("    clients: [ops]"))
    }

    @Test func explainSaysWhatATunnelMayCarry() throws {
        let folder = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("tunnels.yaml")
        try """
            dns:
              static:
                tls.test: [127.0.0.1]
                raw.test: [127.0.0.1]
            upstreams:
              tls:
                url: https://tls.test
                tunnel: allow
                allow_addresses: [127.0.0.1/32]
              raw:
                url: https://raw.test:2222
                tunnel: opaque
                allow_addresses: [127.0.0.1/32]
            """.write(to: file, atomically: true, encoding: .utf8)
        let tls = try Self.run(["explain", "--policy", file.path, "--connect", "tls.test:443"])
        #expect(tls.status == 0 && tls.out.contains("responses: not inspected; TLS only, its ClientHello must name 'tls.test' (else sni_mismatch)"), "\(tls.out)")
        let raw = try Self.run(["explain", "--policy", file.path, "--connect", "raw.test:2222"])
        #expect(raw.status == 0 && raw.out.contains("tunnel: opaque carries any bytes"), "\(raw.out)")
        let check = try Self.run(["check", "--policy", file.path])
        #expect(check.out.contains("tunnel allow") && check.out.contains("tunnel opaque"), "\(check.out)")
    }

    @Test func validateChecksXMLAgainstAnXSDWithExitCodes() throws {
        let fixtures = Self.root.appendingPathComponent("Tests/AirlockXMLTests/Fixtures")
        let xsd = fixtures.appendingPathComponent("order.xsd").path
        let good = fixtures.appendingPathComponent("order_valid.xml").path
        let bad = fixtures.appendingPathComponent("order_invalid_price.xml").path
        let valid = try Self.run(["validate", "--schema", xsd, good])
        #expect(valid.status == 0)
        #expect(valid.out == "\(good): valid\n")
        let mixed = try Self.run(["validate", "--schema", xsd, good, bad])
        #expect(mixed.status == 1)
        #expect(mixed.out.contains("\(bad): invalid: /order/items/item[2]/price"))
        let broken = try Self.run(["validate", "--schema", fixtures.appendingPathComponent("broken.xsd").path, good])
        #expect(broken.status == 2)
        let folder = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let laughs = folder.appendingPathComponent("laughs.xml")
        try "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]><order>&lol2;</order>".write(to: laughs, atomically: true, encoding: .utf8)
        let attack = try Self.run(["validate", "--json", "--schema", xsd, laughs.path])
        #expect(attack.status == 1)
        #expect(attack.out.contains("\"reason\":\"xml_forbidden_construct\""))
    }

    /// JSON against a vendor OpenAPI document (Stripe, read in place from shared/, found like every other
    /// shared-data test: AIRLOCK_SHARED, else above the repo; missing data is a failure, never a skip).
    @Test func validateChecksJSONAgainstAnOpenAPISchema() throws {
        let spec = try #require(SharedData.path("vendors/stripe-openapi-2022-04-12/spec3.json"))
        let folder = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("balance.json")
        try #"{"object":"balance","available":[{"amount":0,"currency":"usd","source_types":{"card":0}}],"livemode":false,"pending":[{"amount":0,"currency":"usd"}],"surprise":true}"#.write(to: good, atomically: true, encoding: .utf8)
        let bad = folder.appendingPathComponent("bad.json")
        try #"{"object":"balance","available":"lots","livemode":false,"pending":[]}"#.write(to: bad, atomically: true, encoding: .utf8)
        let dup = folder.appendingPathComponent("dup.json")
        try #"{"object":"balance","object":"charge"}"#.write(to: dup, atomically: true, encoding: .utf8)
        let args = ["validate", "--schema", spec, "--pointer", "/components/schemas/balance"]
        let valid = try Self.run(args + [good.path])
        #expect(valid.status == 0, "\(valid.out)\(valid.err)")
        let invalid = try Self.run(args + [good.path, bad.path])
        #expect(invalid.status == 1)
        #expect(invalid.out.contains("\(bad.path): invalid: /available:"))
        let hostile = try Self.run(args + ["--json", dup.path])
        #expect(hostile.out.contains("\"reason\":\"json_malformed\""))
        let stripped = try Self.run(args + ["--strip-unknown", good.path])
        #expect(stripped.status == 0)
        #expect(!stripped.out.contains("surprise"))
        #expect(stripped.out.contains("\"livemode\":false"))
        let missing = try Self.run(["validate", "--schema", spec, "--pointer", "/components/schemas/nope", good.path])
        #expect(missing.status == 2)
    }

    @Test func everyCommandHasHelp() throws {
        for command in [["--help"], ["serve", "--help"], ["check", "--help"], ["explain", "--help"], ["audit", "--help"], ["validate", "--help"]] {
            let result = try Self.run(command)
            #expect(result.status == 0, "\(command)")
            #expect(result.out.contains("USAGE"), "\(command)")
        }
    }

    /// A policy for a real `airlock serve`: one upstream `api` on loopback, audit in `audit/events.jsonl`.
    static func writeServePolicy(_ file: URL, port: Int, upstream: Int, paths: String = "[\"/**\"]") throws {
        try """
            listen: 127.0.0.1:\(port)
            audit:
              file: audit/events.jsonl
            upstreams:
              api:
                url: http://127.0.0.1:\(upstream)
                paths: \(paths)
                allow_addresses: [127.0.0.1/32]
            """.write(to: file, atomically: true, encoding: .utf8)
    }

    /// What a child process writes to a pipe, collected as it arrives.
    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var bytes = Data()

        init(_ pipe: Pipe) {
            pipe.fileHandleForReading.readabilityHandler = { [self] handle in
                let chunk = handle.availableData
                lock.withLock { bytes.append(chunk) }
            }
        }

        var text: String { lock.withLock { String(decoding: bytes, as: UTF8.self) } }

        /// Waits (up to 15 s) until `needle` has been written `count` times.
        func wait(for needle: String, count: Int = 1) async throws -> Bool {
            let deadline = Date().addingTimeInterval(15)
            while text.components(separatedBy: needle).count - 1 < count {
                guard Date() < deadline else { return false }
                try await Task.sleep(for: .milliseconds(50))
            }
            return true
        }
    }

    /// A real `airlock serve` controlled by signals: SIGHUP swaps the policy in without dropping
    /// the process (and refuses a broken one, keeping the running policy); SIGUSR1 starts a new
    /// audit file after a rotation moved the old one, losing no event.
    @Test func serveReloadsOnSIGHUPAndReopensTheAuditLogOnSIGUSR1() async throws {
        let upstream = try await TestUpstream()
        let folder = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = try freePort()
        let policy = folder.appendingPathComponent("policy.yaml")
        func write(paths: String) throws {
            try Self.writeServePolicy(policy, port: port, upstream: upstream.port, paths: paths)
        }
        func get(_ path: String) async throws -> String {
            let answer = try await RawClient.exchange(port: port, bytes: "GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeoutMs: 3000)
            return answer.components(separatedBy: "\r\n").first ?? ""
        }
        try write(paths: "[\"/v1/**\"]")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--policy", policy.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdout = Collected(out), stderr = Collected(err)
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        #expect(try await stdout.wait(for: "audit log"))
        #expect(try await get("/api/v1/a") == "HTTP/1.1 200 OK")

        try write(paths: "[\"/v2/**\"]")
        kill(process.processIdentifier, SIGHUP)
        #expect(try await stdout.wait(for: "SIGHUP, reloaded policy"), "\(stdout.text)\n\(stderr.text)")
        #expect(try await get("/api/v1/a") == "HTTP/1.1 403 Forbidden")
        #expect(try await get("/api/v2/a") == "HTTP/1.1 200 OK")

        try "upstreams:\n  api:\n    url: ftp://nowhere\n".write(to: policy, atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        #expect(try await stderr.wait(for: "still running the policy loaded before"), "\(stderr.text)")
        #expect(stderr.text.contains("policy.yaml:3:"), "errors name file and line: \(stderr.text)")
        #expect(try await get("/api/v2/a") == "HTTP/1.1 200 OK")

        let log = folder.appendingPathComponent("audit/events.jsonl")
        let rotated = folder.appendingPathComponent("audit/events.jsonl.1")
        try FileManager.default.moveItem(at: log, to: rotated)
        kill(process.processIdentifier, SIGUSR1)
        #expect(try await stdout.wait(for: "SIGUSR1, reopening the audit log"))
        // The writer reopens before its next write: the next event starts the new file.
        #expect(try await get("/api/v2/b") == "HTTP/1.1 200 OK")
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let old = try String(contentsOf: rotated, encoding: .utf8).split(separator: "\n")
        let new = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        #expect(old.count == 4, "\(old)")
        #expect(new.count == 1 && new.first?.contains("/v2/b") == true, "\(new)")
        await upstream.stop()
    }

    /// A real `airlock serve`: calls answered, SIGTERM during a slow call, every event on disk.
    @Test func serveStopsCleanlyOnSIGTERMWithoutLosingAuditEvents() async throws {
        let upstream = try await TestUpstream { request in
            request.uri.hasPrefix("/slow") ? TestUpstream.Response(delayMs: 700) : TestUpstream.Response()
        }
        let folder = try Self.tempFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let port = try freePort()
        let policy = folder.appendingPathComponent("policy.yaml")
        try Self.writeServePolicy(policy, port: port, upstream: upstream.port)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--policy", policy.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for the startup lines.
        var banner = ""
        let deadline = Date().addingTimeInterval(15)
        while !banner.contains("audit log") && Date() < deadline {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            banner += String(decoding: chunk, as: UTF8.self)
        }
        #expect(banner.contains("listening on http://127.0.0.1:\(port)"))
        #expect(banner.contains("1 upstream(s): api"))

        var answered = 0
        for i in 0..<40 {
            if (try? await RawClient.exchange(port: port, bytes: "GET /api/n\(i) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeoutMs: 3000))?.hasPrefix("HTTP/1.1 200") == true {
                answered += 1
            }
        }
        #expect(answered == 40)
        async let slow = RawClient.exchange(port: port, bytes: "GET /api/slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeoutMs: 5000)
        try await Task.sleep(for: .milliseconds(200))
        process.terminate()   // SIGTERM while /slow is in flight
        let slowAnswer = try await slow
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(slowAnswer.hasPrefix("HTTP/1.1 200"), "the call in flight was cut off: \(slowAnswer.prefix(60))")
        let log = try String(contentsOf: folder.appendingPathComponent("audit/events.jsonl"), encoding: .utf8)
        let lines = log.split(separator: "\n")
        #expect(lines.count == 41)
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil })

        let table = try Self.run(["audit", "--file", folder.appendingPathComponent("audit/events.jsonl").path])
        #expect(table.out.contains("DECISION"))
        #expect(table.out.contains("41 event(s)"))
        let denies = try Self.run(["audit", "--file", folder.appendingPathComponent("audit/events.jsonl").path, "--decision", "deny", "--json"])
        #expect(denies.out.isEmpty)
        let recent = try Self.run(["audit", "--policy", policy.path, "--since", "10m", "--json"])
        #expect(recent.out.split(separator: "\n").count == 41)
        let byAddress = try Self.run(["audit", "--policy", policy.path, "--client", "127.0.0.1", "--json"])
        #expect(byAddress.out.split(separator: "\n").count == 41)
        let byOther = try Self.run(["audit", "--policy", policy.path, "--client", "billing", "--json"])
        #expect(byOther.status == 0 && byOther.out.isEmpty)
        await upstream.stop()
    }
}
