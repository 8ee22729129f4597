import AirlockTestSupport
import Foundation
import Testing

/// End-to-end response firewall: the real proxy, real upstream servers on 127.0.0.1 answering
/// good, bad and hostile bodies, the real curl client; status, reason, body and audit event.
@Suite(.serialized) struct ResponseFirewallEndToEndTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let chargeSchema = repo.appendingPathComponent("Schemas/demo/charge.schema.json").path
    static let invoiceXSD = repo.appendingPathComponent("Schemas/demo/invoice.xsd").path

    static let good = #"{"id": "ch_1", "object": "charge", "amount": 1099, "currency": "usd", "status": "succeeded"}"#

    static let pets = """
    openapi: 3.0.3
    info: { title: pets, version: "1" }
    paths:
      /v1/pets/{id}:
        get:
          responses:
            "200":
              description: a pet
              content:
                application/json:
                  schema:
                    type: object
                    required: [id, name]
                    properties: { id: { type: integer }, name: { type: string }, tag: { type: string, nullable: true } }
            "404":
              description: no pet
              content:
                application/json:
                  schema: { type: object, required: [message], properties: { message: { type: string } } }
    """

    /// gzip through the real gzip tool.
    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-c", "-9"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let writer = Thread {
            input.fileHandleForWriting.write(Data(bytes))
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return [UInt8](data)
    }

    static func upstreamAnswers() throws -> @Sendable (TestUpstream.Request) -> TestUpstream.Response {
        let json = [("Content-Type", "application/json")]
        let xml = [("Content-Type", "application/xml")]
        let gzipped = try gzip(Array(good.utf8))
        let bomb = try gzip([UInt8](repeating: 0x20, count: 50 << 20))
        // ~390 KB of metadata that compresses about 21:1 (like real API lists), gzip-encoded and sent
        // chunked, as servers with on-the-fly compression do: libcurl counts a chunked body's encoded
        // bytes only after delivering the decoded ones, which must not look like a bomb.
        var seed: UInt64 = 42
        let metadata = (0..<2000).map { k -> String in
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let suffix = String(UInt32(truncatingIfNeeded: seed >> 32), radix: 16)
            return "\"k\(k)\": \"" + String(repeating: "status=paid;region=eu-west-1;", count: 6) + suffix + "\""
        }.joined(separator: ", ")
        let bigCharge = #"{"id": "ch_1", "object": "charge", "amount": 1, "currency": "usd", "status": "succeeded", "metadata": {"# + metadata + "}}"
        let bigGzip = try gzip(Array(bigCharge.utf8))
        let pieces = stride(from: 0, to: bigGzip.count, by: 8192).map {
            TestUpstream.Response.Chunk(delayMs: 0, bytes: Array(bigGzip[$0..<min($0 + 8192, bigGzip.count)]))
        }
        let answers: [String: TestUpstream.Response] = [
            "/v1/charges/good": .init(headers: json + [("Set-Cookie", "track=1; Path=/"), ("Content-MD5", "x")], body: Array(("\n  " + good + "\n").utf8)),
            "/v1/charges/wrongtype": .init(headers: json, body: Array(#"{"id": "ch_1", "object": "charge", "amount": "1099", "currency": "usd", "status": "succeeded"}"#.utf8)),
            "/v1/charges/missing": .init(headers: json, body: Array(#"{"id": "ch_1", "object": "charge", "amount": 1099, "status": "succeeded"}"#.utf8)),
            "/v1/strip/extra": .init(headers: json, body: Array(#"{"id": "ch_1", "object": "charge", "amount": 5, "currency": "eur", "status": "pending", "internal_risk": 87}"#.utf8)),
            "/v1/charges/dupe": .init(headers: json, body: Array(#"{"id": "ch_1", "object": "charge", "amount": 1, "amount": -1, "currency": "usd", "status": "succeeded"}"#.utf8)),
            "/v1/charges/deep": .init(headers: json, body: Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)),
            "/v1/charges/hugenum": .init(headers: json, body: Array(#"{"id": "ch_1", "object": "charge", "amount": 1e999999999, "currency": "usd", "status": "succeeded"}"#.utf8)),
            "/v1/charges/badutf8": .init(headers: json, body: Array(#"{"id": "ch_"#.utf8) + [0xC3, 0x28] + Array(#"", "object": "charge"}"#.utf8)),
            "/v1/charges/xmlbody": .init(headers: json, body: Array("<charge><id>ch_1</id></charge>".utf8)),
            "/v1/charges/latin1": .init(headers: [("Content-Type", "application/json; charset=iso-8859-1")], body: Array(good.utf8)),
            "/v1/charges/gzip": .init(headers: json + [("Content-Encoding", "gzip")], body: gzipped),
            "/v1/charges/bomb": .init(headers: json + [("Content-Encoding", "gzip")], body: bomb),
            "/v1/charges/corrupt": .init(headers: json + [("Content-Encoding", "gzip")], body: Array("definitely not gzip".utf8)),
            "/v1/charges/teapot": .init(status: 418, headers: json, body: Array("{}".utf8)),
            "/v1/charges/chunkedgzip": .init(headers: json + [("Content-Encoding", "gzip")], chunks: pieces),
            "/v1/charges/trailer": {
                var r = TestUpstream.Response(headers: json, chunks: [.init(delayMs: 0, bytes: Array(good.utf8))])
                r.trailers = [("Content-Type", "text/html")]
                return r
            }(),
            "/v1/charges/twotypes": .init(headers: json + [("Content-Type", "text/html")], body: Array(good.utf8)),
            "/v1/report/wrongtype": .init(headers: json, body: Array(#"{"id": 7}"#.utf8)),
            "/xml/good": .init(headers: xml, body: Array(#"<?xml version="1.0"?><!-- c --><invoice><id>in_1</id><customer>ACME</customer><total currency="EUR">1.50</total></invoice>"#.utf8)),
            "/xml/bad": .init(headers: xml, body: Array(#"<invoice><id>in_1</id><total currency="EUR">lots</total></invoice>"#.utf8)),
            "/xml/xxe": .init(headers: xml, body: Array(#"<?xml version="1.0"?><!DOCTYPE invoice [<!ENTITY x SYSTEM "file:///etc/passwd">]><invoice><id>&x;</id></invoice>"#.utf8)),
            "/xml/laughs": .init(headers: xml, body: Array(#"<!DOCTYPE l [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><invoice><id>&c;</id></invoice>"#.utf8)),
            "/xml/jsonbody": .init(headers: xml, body: Array(good.utf8)),
            "/v1/pets/1": .init(headers: json, body: Array(#"{"id": 1, "name": "Rex", "tag": null}"#.utf8)),
            "/v1/pets/2": .init(headers: json, body: Array(#"{"id": "two", "name": "Rex"}"#.utf8)),
            "/v1/pets/3": .init(status: 404, headers: json, body: Array(#"{"message": "no pet 3"}"#.utf8)),
            "/v1/pets/4": .init(status: 503, headers: json, body: Array(#"{"message": "down"}"#.utf8)),
            "/v1/pets/5": .init(headers: [("Content-Type", "text/plain")], body: Array("Rex".utf8)),
            "/raw/gzip": .init(headers: json + [("Content-Encoding", "gzip"), ("Set-Cookie", "session=abc")], body: gzipped),
            "/raw/slow": .init(headers: [("Content-Type", "text/plain")], chunks: [
                .init(delayMs: 0, bytes: Array("first part, ".utf8)), .init(delayMs: 1500, bytes: Array("second part".utf8)),
            ]),
            "/raw/big": .init(headers: [("Content-Type", "application/octet-stream")], body: [UInt8](repeating: 0x62, count: 40_000)),
            "/raw/endless": .init(headers: [("Content-Type", "application/octet-stream")],
                                  chunks: (0..<30).map { _ in .init(delayMs: 20, bytes: [UInt8](repeating: 0x61, count: 100_000)) }),
        ]
        return { request in
            let path = String(request.uri.prefix { $0 != "?" })
            return answers[path] ?? .init(status: 404, headers: json, body: Array(#"{"error": "no such fixture"}"#.utf8))
        }
    }

    static func policy(api: Int, folder: String) -> String {
        """
        upstreams:
          api:
            url: http://127.0.0.1:\(api)
            allow_addresses: [127.0.0.1/32]
            paths: ["/v1/**", "/xml/*"]
            unmatched: block
            limits: { response_bytes: 4MiB }
            responses:
              - match: { path: "/v1/charges/*", methods: [GET], status: [200] }
                content_type: application/json
                schema: \(chargeSchema)
              - match: { path: "/v1/strip/*" }
                schema: \(chargeSchema)
                on_violation: strip
              - match: { path: "/v1/report/*" }
                schema: \(chargeSchema)
                on_violation: report
              - match: { path: "/xml/*", status: [200] }
                content_type: application/xml
                schema: \(invoiceXSD)
              - match: { path: "/v1/pets/**" }
                openapi: \(folder)/pets.yaml
          raw:
            url: http://127.0.0.1:\(api)/raw
            allow_addresses: [127.0.0.1/32]
            set_cookie: allow
            limits: { response_bytes: 1MiB }
        """
    }

    /// Starts both upstreams and Airlock; checks the internal server stayed untouched.
    static func run(_ body: (Harness, TestUpstream) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-rf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try pets.write(to: folder.appendingPathComponent("pets.yaml"), atomically: true, encoding: .utf8)
        let upstream = try await TestUpstream(route: try upstreamAnswers())
        let internalServer = try await TestUpstream()
        do {
            try await withAirlock(policy: policy(api: upstream.port, folder: folder.path)) { airlock in
                try await body(airlock, upstream)
            }
        } catch {
            await upstream.stop()
            await internalServer.stop()
            throw error
        }
        #expect(internalServer.requests.isEmpty, "the internal server was reached")
        await upstream.stop()
        await internalServer.stop()
    }

    /// Checks a refusal the way a client and an auditor see it.
    static func expectRefusal(_ airlock: Harness, _ reply: Harness.Reply, _ reason: String, location: String? = nil, keyword: String? = nil,
                              rule: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(reply.status == 502, "\(reply.body)", sourceLocation: sourceLocation)
        #expect(reply.reason == reason, "\(reply.body)", sourceLocation: sourceLocation)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [String: Any], sourceLocation: sourceLocation)
        #expect((json["error"] as? [String: Any])?["reason"] as? String == reason, sourceLocation: sourceLocation)
        let event = try #require(airlock.auditEvent(for: reply), sourceLocation: sourceLocation)
        #expect(event["decision"] as? String == "deny", sourceLocation: sourceLocation)
        #expect(event["reason"] as? String == reason, sourceLocation: sourceLocation)
        #expect(event["status"] as? Int == 502, sourceLocation: sourceLocation)
        if let location { #expect(event["location"] as? String == location, sourceLocation: sourceLocation) }
        if let keyword { #expect(event["keyword"] as? String == keyword, sourceLocation: sourceLocation) }
        if let rule { #expect(event["rule"] as? String == rule, sourceLocation: sourceLocation) }
    }

    @Test func validJSONIsHandedOverCanonicalWithoutCookies() async throws {
        try await Self.run { airlock, _ in
            let reply = try airlock.gateway("/api/v1/charges/good")
            #expect(reply.status == 200)
            #expect(reply.body == #"{"id":"ch_1","object":"charge","amount":1099,"currency":"usd","status":"succeeded"}"#)
            #expect(reply.headers["content-length"] == String(reply.body.utf8.count))
            #expect(reply.headers["set-cookie"] == nil)
            #expect(reply.headers["content-md5"] == nil)
            let event = try #require(airlock.auditEvent(for: reply))
            #expect(event["decision"] as? String == "allow")
            #expect(event["rule"] as? String == "api.responses[0]")
        }
    }

    @Test func invalidJSONIsBlockedWithPointerKeywordAndRule() async throws {
        try await Self.run { airlock, _ in
            try Self.expectRefusal(airlock, try airlock.gateway("/api/v1/charges/wrongtype"), "schema_violation", location: "/amount", keyword: "type", rule: "api.responses[0]")
            try Self.expectRefusal(airlock, try airlock.gateway("/api/v1/charges/missing"), "schema_violation", location: "/", keyword: "required")
        }
    }

    @Test func forwardModeAppliesTheSameRules() async throws {
        try await Self.run { airlock, upstream in
            let reply = try airlock.forward("http://127.0.0.1:\(upstream.port)/v1/charges/wrongtype")
            try Self.expectRefusal(airlock, reply, "schema_violation", location: "/amount", rule: "api.responses[0]")
            let good = try airlock.forward("http://127.0.0.1:\(upstream.port)/v1/charges/good")
            #expect(good.status == 200)
            #expect(good.body.hasPrefix(#"{"id":"ch_1""#))
        }
    }

    @Test func stripRemovesUndeclaredPropertiesAndPasses() async throws {
        try await Self.run { airlock, _ in
            let reply = try airlock.gateway("/api/v1/strip/extra")
            #expect(reply.status == 200)
            #expect(reply.body == #"{"id":"ch_1","object":"charge","amount":5,"currency":"eur","status":"pending"}"#)
            let event = try #require(airlock.auditEvent(for: reply))
            #expect(event["decision"] as? String == "allow")
            #expect((event["detail"] as? String)?.contains("on_violation strip") == true)
            #expect(event["location"] as? String == "/internal_risk")
        }
    }

    @Test func reportPassesUnchangedAndAuditsTheViolation() async throws {
        try await Self.run { airlock, _ in
            let reply = try airlock.gateway("/api/v1/report/wrongtype")
            #expect(reply.status == 200)
            #expect(reply.body == #"{"id": 7}"#)
            let event = try #require(airlock.auditEvent(for: reply))
            #expect(event["decision"] as? String == "report")
            #expect(event["reason"] as? String == "schema_violation")
            #expect(event["location"] as? String == "/id")
            #expect(event["keyword"] as? String == "type")
            #expect(event["rule"] as? String == "api.responses[2]")
        }
    }

    @Test func hostileJSONIsRefused() async throws {
        try await Self.run { airlock, _ in
            try Self.expectRefusal(airlock, try airlock.gateway("/api/v1/charges/dupe"), "json_malformed", keyword: "duplicate_key")
            try Self.expectRefusal(airlock, try airlock.gateway("/api/v1/charges/deep"), "json_limit_exceeded", keyword: "depth")
            try Self.expectRefusal(airlock, try airlock.gateway("/api/v1/charges/hugenum"), "json_limit_exceeded", keyword: "number")
            try Self.expectRefusal(airlock, try airlock.gateway("/api/v1/charges/badutf8"), "json_malformed", keyword: "utf8")
        }
    }

    @Test func contentTypeLiesAndCharsetsAreRefusedBeforeParsing() async throws {
        try await Self.run { airlock, _ in
            try Self.expectRefusal(airlock, try airlock.gateway("/api/v1/charges/xmlbody"), "content_type_mismatch")
            try Self.expectRefusal(airlock, try airlock.gateway("/api/xml/jsonbody"), "content_type_mismatch")
            try Self.expectRefusal(airlock, try airlock.gateway("/api/v1/charges/latin1"), "content_type_mismatch", keyword: "charset")
        }
    }

    @Test func compressedBodiesAreDecodedCheckedAndBombsRefused() async throws {
        try await Self.run { airlock, upstream in
            let reply = try airlock.gateway("/api/v1/charges/gzip", headers: ["Accept-Encoding: br"])
            #expect(reply.status == 200)
            #expect(reply.headers["content-encoding"] == nil)
            #expect(reply.body == #"{"id":"ch_1","object":"charge","amount":1099,"currency":"usd","status":"succeeded"}"#)
            // Airlock asked for gzip itself; the client's Accept-Encoding did not pass.
            #expect(upstream.requests.last?.header("Accept-Encoding")?.contains("gzip") == true)
            try Self.expectRefusal(airlock, try airlock.gateway("/api/v1/charges/bomb"), "content_encoding_refused")
            try Self.expectRefusal(airlock, try airlock.gateway("/api/v1/charges/corrupt"), "content_encoding_refused")
        }
    }

    @Test func undeclaredStatusIsRefused() async throws {
        try await Self.run { airlock, _ in
            // No rule covers a 418: unmatched: block.
            try Self.expectRefusal(airlock, try airlock.gateway("/api/v1/charges/teapot"), "status_not_allowed")
            // The OpenAPI document declares 200 and 404 only.
            try Self.expectRefusal(airlock, try airlock.gateway("/api/v1/pets/4"), "status_not_allowed", keyword: "responses", rule: "api.responses[4]")
        }
    }

    @Test func openAPIDocumentPicksSchemaByOperationStatusAndMediaType() async throws {
        try await Self.run { airlock, _ in
            let ok = try airlock.gateway("/api/v1/pets/1")
            #expect(ok.status == 200)
            #expect(ok.body == #"{"id":1,"name":"Rex","tag":null}"#)
            let missing = try airlock.gateway("/api/v1/pets/3")
            #expect(missing.status == 404)
            #expect(missing.body == #"{"message":"no pet 3"}"#)
            try Self.expectRefusal(airlock, try airlock.gateway("/api/v1/pets/2"), "schema_violation", location: "/id", keyword: "type")
            try Self.expectRefusal(airlock, try airlock.gateway("/api/v1/pets/5"), "content_type_mismatch", keyword: "content")
        }
    }

    @Test func xmlIsValidatedSanitizedAndHostileXMLRefused() async throws {
        try await Self.run { airlock, _ in
            let ok = try airlock.gateway("/api/xml/good")
            #expect(ok.status == 200)
            #expect(!ok.body.contains("<!--"))
            #expect(ok.body.contains("<customer>ACME</customer>"))
            try Self.expectRefusal(airlock, try airlock.gateway("/api/xml/bad"), "schema_violation", location: "/invoice/total", keyword: "xsd")
            try Self.expectRefusal(airlock, try airlock.gateway("/api/xml/xxe"), "xml_forbidden_construct")
            try Self.expectRefusal(airlock, try airlock.gateway("/api/xml/laughs"), "xml_forbidden_construct")
        }
    }

    @Test func routesWithoutRulesPassBytesAsTheyCame() async throws {
        try await Self.run { airlock, upstream in
            let reply = try airlock.curl(["-H", "Accept-Encoding: gzip", "--output", "-", "http://127.0.0.1:\(airlock.port)/raw/gzip"])
            #expect(reply.status == 200)
            #expect(reply.headers["content-encoding"] == "gzip")
            #expect(reply.headers["set-cookie"] == "session=abc")   // set_cookie: allow
            #expect(upstream.requests.last?.header("Accept-Encoding") == "gzip")
        }
    }

    @Test func smallRelayedResponsesKeepTheirLengthLargeOnesAreChunked() async throws {
        try await Self.run { airlock, _ in
            // At most 16 KiB announced by Content-Length: passed whole, with the upstream's framing.
            let small = try airlock.curl(["-H", "Accept-Encoding: gzip", "--output", "-", "http://127.0.0.1:\(airlock.port)/raw/gzip"])
            #expect(small.status == 200)
            #expect(small.headers["content-length"] != nil)
            #expect(small.headers["transfer-encoding"] == nil)
            let smallEvent = try #require(airlock.auditEvent(for: small))
            #expect(smallEvent["decision"] as? String == "allow")
            // Larger: relayed as it arrives, chunked, its end after the audit record.
            let big = try airlock.curl(["--output", "-", "http://127.0.0.1:\(airlock.port)/raw/big"])
            #expect(big.status == 200)
            #expect(big.headers["transfer-encoding"] == "chunked")
            #expect(big.body == String(repeating: "b", count: 40_000))
            let bigEvent = try #require(airlock.auditEvent(for: big))
            #expect(bigEvent["bytes_in"] as? Int == 40_000)
        }
    }

    @Test func uninspectedResponsesAreRelayedAsTheyArrive() async throws {
        try await Self.run { airlock, _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            process.arguments = ["-s", "-i", "--noproxy", "*", "--max-time", "20", "-w", "\n%{time_starttransfer} %{time_total}",
                                 "http://127.0.0.1:\(airlock.port)/raw/slow"]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let timing = output.split(separator: "\n").last.map { $0.split(separator: " ").compactMap { Double($0) } } ?? []
            #expect(timing.count == 2)
            // The head and the first part arrive before the upstream has finished (1.5 s later).
            #expect((timing.first ?? 9) < 1.0, "time to first byte \(timing)")
            #expect((timing.last ?? 0) >= 1.4, "total \(timing)")
            #expect(output.contains("first part, second part"))
            let reply = Harness.parse(String(output.split(separator: "\n").dropLast().joined(separator: "\n")), exitCode: 0)
            let event = try #require(airlock.auditEvent(for: reply))
            #expect(event["decision"] as? String == "allow")
            #expect(event["bytes_in"] as? Int == "first part, second part".utf8.count)
        }
    }

    @Test func aRelayedResponseOverTheCapIsCutAndAudited() async throws {
        try await Self.run { airlock, _ in
            let reply = try airlock.curl(["--output", "-", "http://127.0.0.1:\(airlock.port)/raw/endless"])
            #expect(reply.status == 200)          // the head was relayed before the cap was reached
            #expect(reply.exitCode != 0)          // ...and the message never completed
            #expect(reply.body.utf8.count <= 1 << 20)
            let events = airlock.auditEvents().filter { ($0["url"] as? String)?.hasSuffix("/raw/endless") == true }
            let event = try #require(events.last)
            #expect(event["decision"] as? String == "deny")
            #expect(event["reason"] as? String == "response_too_large")
            #expect((event["detail"] as? String)?.contains("connection was closed") == true)
        }
    }

    @Test func chunkedGzipIsNotABombAndTrailersAreNotHeaders() async throws {
        try await Self.run { airlock, _ in
            let big = try airlock.gateway("/api/v1/charges/chunkedgzip")
            #expect(big.status == 200, "\(big.reason ?? "") \(big.body.prefix(200))")
            #expect(big.body.count > 100_000)
            let trailer = try airlock.gateway("/api/v1/charges/trailer")
            #expect(trailer.status == 200)
            #expect(trailer.headers["content-type"] == "application/json")
            // Two labels: clients disagree on which wins, so the response is refused.
            try Self.expectRefusal(airlock, try airlock.gateway("/api/v1/charges/twotypes"), "content_type_mismatch", keyword: "content_type")
        }
    }

    @Test func http10ClientsGetRelayedBodiesWithoutChunkFraming() async throws {
        try await Self.run { airlock, _ in
            let reply = try airlock.curl(["-0", "http://127.0.0.1:\(airlock.port)/raw/slow"])
            #expect(reply.status == 200)
            #expect(reply.body == "first part, second part")
        }
    }
}

extension ResponseFirewallEndToEndTests {
    /// Responses that are not well-formed HTTP are refused (`response_malformed`), with or without
    /// response rules, before anything reaches the client: a bare CR in a header value is a line
    /// break to some clients, so `X-Evil: a<CR>Set-Cookie: …` would plant a header (a cookie, which
    /// Airlock strips) that no filter saw; a 101 that nobody asked for carries a second response
    /// behind it that would land on the client's keep-alive connection; `HTTP/2 -1` is a status
    /// no response can have. Tabs and obs-text in values are well-formed and pass.
    @Test func malformedResponsesAreRefused() async throws {
        let body = "{\"ok\":true}"
        func withField(_ field: String, type: String = "application/json") -> String {
            "HTTP/1.1 200 OK\r\nContent-Type: \(type)\r\n\(field)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        }
        let planted = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{\"admin\":true}"
        let answers: [String: String] = [
            "/bare-cr": withField("X-Evil: a\rSet-Cookie: injected=1"),
            "/control": withField("X-Ctl: a\u{1}b"),
            "/del": withField("X-Del: a\u{7f}b"),
            "/bad-name": withField("Bad Name: x"),
            "/no-colon": withField("just some words"),
            "/status-like-field": withField("HTTP/1.1: x"),
            "/nul": withField("X-Nul: a\u{0}b"),
            "/upgrade": "HTTP/1.1 101 Switching Protocols\r\n\r\n" + planted,
            "/negative": "HTTP/2 -1\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx",
            "/odd-status": "HTTP/1.1 700 Odd\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
            "/fine": withField("X-Fine: a\tb \u{e9}"),
            // obs-fold (RFC 9112 §5.2) is joined with spaces, in place: 80,000 continuation lines (under
            // the header cap) cost a copy of the value each when it was rebuilt per line; 30,000 here, as the
            // client that reads the answer takes a field of at most 100 KiB.
            "/folded": withField("X-Folded: a\r\n b\r\n\tc"),
            "/many-folds": withField("X-Folded: a" + String(repeating: "\r\n f", count: 30_000)),
            "/interim-only": "HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n",
            "/two-charsets": withField("X-A: 1", type: "application/json; charset=utf-7; x=\"; charset=utf-8; \""),
            "/charset-twice": withField("X-A: 1", type: "application/json; charset=utf-16; charset=utf-8"),
            "/head-length": "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5 abc\r\nConnection: close\r\n\r\n",
            // Endless headers (libcurl bounds each line, not how many): refused past 256 KiB, so memory stays bounded.
            "/many-headers": withField((0..<12_000).map { "X-Pad-\($0): " + String(repeating: "p", count: 16) }.joined(separator: "\r\n")),
            "/many-interim": String(repeating: "HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n", count: 8_000) + withField("X-A: 1"),
        ]
        let unknown = withField("X-Unknown: 1")
        let upstream = try RawUpstream { path in Array((answers[String(path.dropFirst("/v1".count))] ?? unknown).utf8) }
        defer { upstream.stop() }
        let airlock = try await Harness(policy: """
            upstreams:
              raw:
                url: http://127.0.0.1:\(upstream.port)
                allow_addresses: [127.0.0.1/32]
              checked:
                url: http://127.0.0.1:\(upstream.port)
                allow_addresses: [127.0.0.1/32]
                responses:
                  - match: { path: "/**" }
              json:
                url: http://127.0.0.1:\(upstream.port)
                allow_addresses: [127.0.0.1/32]
                responses:
                  - match: { path: "/**" }
                    content_type: application/json
            """)
        try await airlock.run {
            let malformed = ["/bare-cr", "/control", "/del", "/bad-name", "/no-colon", "/status-like-field", "/nul", "/upgrade", "/negative", "/odd-status",
                             "/many-headers", "/many-interim"]
            for upstreamName in ["raw", "checked"] {
                for path in malformed {
                    let reply = try airlock.gateway("/\(upstreamName)/v1\(path)")
                    try Self.expectRefusal(airlock, reply, "response_malformed")
                    #expect(!reply.body.contains("\"ok\"") && !reply.body.contains("admin") && reply.headers["set-cookie"] == nil, "\(path): \(reply.body)")
                }
                let fine = try airlock.gateway("/\(upstreamName)/v1/fine")
                #expect(fine.status == 200 && fine.body.contains("\"ok\""), "\(fine.status) \(fine.body)")
            }
            let folded = try airlock.gateway("/raw/v1/folded")
            #expect(folded.status == 200 && folded.headers["x-folded"] == "a b c", "\(folded.headers)")
            let folds = try airlock.gateway("/raw/v1/many-folds")
            #expect(folds.status == 200 && folds.headers["x-folded"]?.utf8.count == 1 + 30_000 * 2, "\(folds.status) \(folds.body)")
            let many = try airlock.gateway("/raw/v1/many-headers")
            #expect((airlock.auditEvent(for: many)?["detail"] as? String ?? "").contains("headers exceed 256 KiB"), "\(many.body)")
            // A response that ends after an interim answer has no final status to hand on (libcurl
            // reports it as nothing received; `finish` refuses a CURLE_OK without a final status too).
            let interim = try airlock.gateway("/raw/v1/interim-only")
            #expect(interim.status == 502 && interim.body.contains("\"reason\""), "\(interim.status) \(interim.body)")
            // Airlock is still up (the negative status crashed it before) and answers in order.
            #expect(try airlock.gateway("/raw/v1/fine").status == 200)
            // A Content-Type whose parameters parsers read differently is not a type a rule can trust.
            for path in ["/two-charsets", "/charset-twice"] {
                try Self.expectRefusal(airlock, try airlock.gateway("/json/v1\(path)"), "content_type_mismatch")
            }
            // A HEAD answer's Content-Length goes on only when it is one number (else Airlock's own 0,
            // which frames the answer without a body).
            let head = try airlock.curl(["-I", "http://127.0.0.1:\(airlock.port)/raw/v1/head-length"])
            #expect(head.status == 200 && head.headers["content-length"] == "0", "\(head.headers)")
        }
    }
}
