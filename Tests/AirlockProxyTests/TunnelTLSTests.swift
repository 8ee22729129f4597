import AirlockCore
import AirlockTestSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// ClientHellos as a client writes them, for the parser and for clients no TLS library would be.
enum Hello {
    static func u16(_ n: Int) -> [UInt8] { [UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] }

    static func extensionBytes(_ type: Int, _ data: [UInt8]) -> [UInt8] { u16(type) + u16(data.count) + data }

    static func serverName(_ names: [String]) -> [UInt8] {
        let list = names.flatMap { name -> [UInt8] in [0] + u16(name.utf8.count) + Array(name.utf8) }
        return extensionBytes(0, u16(list.count) + list)
    }

    /// The handshake message; `extensions` nil leaves the extensions block out altogether.
    static func message(_ extensions: [UInt8]?) -> [UInt8] {
        var body: [UInt8] = [3, 3] + [UInt8](repeating: 7, count: 32)   // legacy_version, random
        body += [32] + [UInt8](repeating: 9, count: 32)                  // legacy_session_id
        body += u16(4) + [0x13, 0x01, 0x13, 0x02]                        // cipher suites
        body += [1, 0]                                                   // compression: null
        if let extensions { body += u16(extensions.count) + extensions }
        return [1, 0] + u16(body.count) + body
    }

    /// A ClientHello in one record (or in records of at most `recordBytes` each).
    static func client(_ name: String?, ech: Bool = false, more: [UInt8] = [], recordBytes: Int = 1 << 14) -> [UInt8] {
        var extensions = name.map { serverName([$0]) } ?? []
        extensions += extensionBytes(43, [2, 3, 4])                      // supported_versions: TLS 1.3
        if ech { extensions += extensionBytes(0xfe0d, [0, 1, 2, 3]) }
        return records(message(extensions + more), recordBytes: recordBytes)
    }

    static func records(_ message: [UInt8], type: UInt8 = 22, recordBytes: Int = 1 << 14) -> [UInt8] {
        stride(from: 0, to: message.count, by: recordBytes).flatMap { start -> [UInt8] in
            let piece = message[start..<min(start + recordBytes, message.count)]
            return [type, 3, 1] + u16(piece.count) + piece
        }
    }

    /// A server's first answer: a ServerHello, or a HelloRetryRequest (its special random).
    static func server(retry: Bool) -> [UInt8] {
        let random: [UInt8] = retry ? [
            0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
            0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
        ] : [UInt8](repeating: 5, count: 32)
        let body: [UInt8] = [3, 3] + random + [0] + [0x13, 0x01] + [0] + u16(6) + extensionBytes(43, [3, 4])
        return [22, 3, 3] + u16(body.count + 4) + [2, 0] + u16(body.count) + body
    }

    static let changeCipherSpec: [UInt8] = [20, 3, 3, 0, 1, 1]
}

@Suite struct TLSHelloTests {
    @Test func theServerNameIsRead() {
        #expect(TLSHello.clientHello(Hello.client("api.partner.test")) ==
                .hello(serverName: "api.partner.test", encrypted: false, end: Hello.client("api.partner.test").count))
        #expect(TLSHello.clientHello(Hello.client(nil)) == .hello(serverName: nil, encrypted: false, end: Hello.client(nil).count))
        #expect(TLSHello.clientHello(Hello.client("a.test", ech: true)) == .hello(serverName: "a.test", encrypted: true, end: Hello.client("a.test", ech: true).count))
        // Spread over records of 10 bytes, as a TLS stack may write it, and with bytes after it.
        let split = Hello.client("split.test", recordBytes: 10)
        #expect(TLSHello.clientHello(split + [23, 3, 3, 0, 1, 0]) == .hello(serverName: "split.test", encrypted: false, end: split.count))
        // No extensions block at all (TLS 1.2 and older may leave it out).
        let bare = Hello.records(Hello.message(nil))
        #expect(TLSHello.clientHello(bare) == .hello(serverName: nil, encrypted: false, end: bare.count))
    }

    @Test func everyPrefixNeedsMore() {
        let hello = Hello.client("prefix.test", recordBytes: 40)
        for count in 0..<hello.count {
            #expect(TLSHello.clientHello(Array(hello.prefix(count))) == .needMore, "\(count)")
        }
    }

    @Test func whatIsNotAClientHelloIsSaidSo() {
        #expect(TLSHello.clientHello(Array("GET / HTTP/1.1\r\n\r\n".utf8)) == .notTLS)
        #expect(TLSHello.clientHello(Array("SSH-2.0-OpenSSH_9.6\r\n".utf8)) == .notTLS)
        #expect(TLSHello.clientHello([22, 9, 9, 0, 1, 1]) == .notTLS)
        func malformed(_ bytes: [UInt8]) -> Bool {
            if case .malformed = TLSHello.clientHello(bytes) { return true }
            return false
        }
        let twoNames = Hello.records(Hello.message(Hello.serverName(["a.test", "b.test"])))
        #expect(malformed(twoNames), "two host names: servers would disagree on which one counts")
        let twice = Hello.records(Hello.message(Hello.serverName(["a.test"]) + Hello.serverName(["b.test"])))
        #expect(malformed(twice), "two server_name extensions")
        #expect(malformed(Hello.records(Hello.message(Hello.serverName(["a b.test"])))), "a space in the name")
        #expect(malformed(Hello.records(Hello.message(Hello.serverName([""])))), "an empty name")
        #expect(malformed(Hello.records(Hello.message(Hello.u16(0) + Hello.u16(20) + [0, 1, 2]))), "an extension longer than its block")
        var serverHello = Hello.message(nil)
        serverHello[0] = 2
        #expect(malformed(Hello.records(serverHello)), "a ServerHello from the client")
        #expect(malformed([22, 3, 1, 0, 4, 1, 0x01, 0, 0]), "a ClientHello over the size limit")
        #expect(malformed(Hello.records(Hello.message(nil) + [0, 0, 0, 0])), "a second handshake message in its record")
        #expect(malformed(Hello.records(Hello.message(nil), recordBytes: 20).prefix(25) + [23, 3, 3, 0, 1, 0]), "application data inside the ClientHello")
    }

    @Test func aSecondClientHelloComesAfterWhatTheClientSentMeanwhile() {
        let second = Hello.client("retry.test")
        let early = Hello.changeCipherSpec + Hello.records([1, 2, 3], type: 23)
        #expect(TLSHello.clientHello(early + second, afterRetry: true) == .hello(serverName: "retry.test", encrypted: false, end: early.count + second.count))
        #expect(TLSHello.clientHello(early, afterRetry: true) == .needMore)
        #expect(TLSHello.clientHello(early + second) == .notTLS, "only after a retry are other records passed over")
    }

    @Test func aHelloRetryRequestIsToldFromAServerHello() {
        #expect(TLSHello.isRetryRequest(Hello.server(retry: true)) == true)
        #expect(TLSHello.isRetryRequest(Hello.server(retry: false)) == false)
        #expect(TLSHello.isRetryRequest(Array(Hello.server(retry: true).prefix(42))) == nil)
        #expect(TLSHello.isRetryRequest([21, 3, 3, 0, 2, 2, 40]) == false, "an alert")
        #expect(TLSHello.isRetryRequest(Array("HTTP/1.1 200 OK".utf8)) == false)
    }
}

/// A TCP upstream that keeps every byte each connection sent it, and answers a connection's first
/// bytes with `answer` (a server's first TLS flight, say).
final class ByteSink: Sendable {
    let port: Int
    private let listener: Int32
    private let received = Mutex<[[UInt8]]>([])

    /// What each connection has sent so far, in the order they came.
    var connections: [[UInt8]] { received.withLock { $0 } }

    init(answer: [UInt8] = []) throws {
        (listener, port) = try LoopbackSocket.listen()
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                let index = received.withLock { $0.append([]); return $0.count - 1 }
                Thread.detachNewThread { [self] in serve(connection, index, answer) }
            }
        }
    }

    private func serve(_ connection: Int32, _ index: Int, _ answer: [UInt8]) {
        defer { Glibc.close(connection) }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var answered = answer.isEmpty
        while true {
            let n = recv(connection, &buffer, buffer.count, 0)
            guard n > 0 else { return }
            received.withLock { $0[index] += buffer[..<n] }
            if !answered {
                answered = true
                _ = answer.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
        }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }
}

/// `tunnel: allow` carries TLS to the host the client asked for and nothing else: the client's
/// ClientHello must name that host, before a byte of it reaches the upstream. Real TLS clients
/// (curl, `openssl s_client`) and a real TLS server (`openssl s_server`), and hand-written
/// ClientHellos for what no TLS library would send.
@Suite(.serialized) struct TunnelTLSTests {
    static func policy(port: Int, extra: String = "") -> String {
        """
        dns:
          static:
            tunnel.test: [127.0.0.1]
            other.test: [127.0.0.1]
            watch.test: [127.0.0.1]
            ssh.test: [127.0.0.1]
        upstreams:
          tls:
            url: https://tunnel.test:\(port)
            tunnel: allow
            allow_addresses: [127.0.0.1/32]
          watch:
            url: https://watch.test:\(port)
            tunnel: allow
            mode: report
            allow_addresses: [127.0.0.1/32]
          address:
            url: https://127.0.0.1:\(port)
            tunnel: allow
            allow_addresses: [127.0.0.1/32]
        \(extra)
        """
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// The tunnel records of `airlock`'s audit log after the first `skip`.
    static func tunnelEvents(_ airlock: Harness) -> [[String: Any]] {
        airlock.auditEvents().filter { $0["mode"] as? String == "tunnel" }
    }

    @Test func realClientsReachTheirHostAndNoOtherName() async throws {
        // The server's certificate is good for both names, so only Airlock can refuse the other one.
        try await TLSUpstreamTests.withServer(names: "DNS:tunnel.test,DNS:other.test,DNS:watch.test", options: ["-groups", "P-256"]) { folder, port, cert in
            try "hello".write(to: folder.appendingPathComponent("index.txt"), atomically: true, encoding: .utf8)
            try await withAirlock(policy: Self.policy(port: port)) { airlock in
                let proxy = "http://127.0.0.1:\(airlock.port)"
                // Offered an X25519 key share first, the server (P-256 only) asks again with a
                // HelloRetryRequest, so that call's second ClientHello is checked too.
                for curves in ["X25519:P-256", "P-256"] {
                    let reached = try airlock.curl(["-x", proxy, "--cacert", cert, "--curves", curves, "https://tunnel.test:\(port)/index.txt"])
                    #expect(reached.status == 200 && reached.body == "hello", "\(curves): \(reached.status) \(reached.body)")
                }
                let retried = try Self.run(["openssl", "s_client", "-proxy", "127.0.0.1:\(airlock.port)", "-connect", "tunnel.test:\(port)",
                                            "-servername", "tunnel.test", "-groups", "X25519:P-256", "-CAfile", cert, "-verify_return_error", "-brief"])
                #expect(retried.status == 0 && retried.output.contains("Verification: OK"), "\(retried.output)")

                // Another name the same server answers to, and no name: a TLS alert, nothing relayed.
                let other = try Self.run(["openssl", "s_client", "-proxy", "127.0.0.1:\(airlock.port)", "-connect", "tunnel.test:\(port)",
                                          "-servername", "other.test", "-CAfile", cert, "-brief"])
                #expect(other.status != 0 && other.output.contains("unrecognized name"), "\(other.output)")
                let nameless = try Self.run(["openssl", "s_client", "-proxy", "127.0.0.1:\(airlock.port)", "-connect", "tunnel.test:\(port)",
                                             "-noservername", "-CAfile", cert, "-brief"])
                #expect(nameless.status != 0 && nameless.output.contains("unrecognized name"), "\(nameless.output)")
                try await Task.sleep(for: .milliseconds(200))
                let denied = Self.tunnelEvents(airlock).filter { $0["decision"] as? String == "deny" }
                #expect(denied.count == 2, "\(denied)")
                let named = try #require(denied.first)
                #expect(named["reason"] as? String == "sni_mismatch" && named["status"] as? Int == 403, "\(named)")
                #expect((named["detail"] as? String ?? "").contains("names 'other.test', not the tunnel's host 'tunnel.test'"), "\(named)")
                #expect(named["upstream"] as? String == "tls" && named["address"] as? String == "127.0.0.1")
                let last = denied.last?["detail"] as? String ?? ""
                #expect(last.contains("no SNI"), "\(denied)")
                // Each refused tunnel opened first (one record), then was closed by its ClientHello (another).
                let ids = Set(denied.compactMap { $0["request_id"] as? String })
                #expect(Self.tunnelEvents(airlock).filter { ids.contains($0["request_id"] as? String ?? "") && $0["decision"] as? String == "allow" }.count == 2)

                // In report mode the other name goes through, recorded.
                let reported = try Self.run(["openssl", "s_client", "-proxy", "127.0.0.1:\(airlock.port)", "-connect", "watch.test:\(port)",
                                             "-servername", "other.test", "-CAfile", cert, "-verify_return_error", "-brief"])
                #expect(reported.status == 0, "\(reported.output)")
                try await Task.sleep(for: .milliseconds(200))
                let report = try #require(Self.tunnelEvents(airlock).last { $0["decision"] as? String == "report" })
                #expect(report["reason"] as? String == "sni_mismatch" && report["upstream"] as? String == "watch", "\(report)")
                #expect((report["detail"] as? String ?? "").hasSuffix("tunnel kept (report mode)"), "\(report)")
            }
        }
    }

    /// Opens a tunnel to `authority` and returns the client once the 200 is read.
    static func open(_ airlock: Harness, _ authority: String) throws -> BlockingClient {
        let client = try BlockingClient(port: airlock.port)
        try client.send("CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\n\r\n")
        let head = client.read(until: "\r\n\r\n")
        #expect(head.hasPrefix("HTTP/1.1 200 Connection Established"), "\(head)")
        return client
    }

    static let unrecognizedName: [UInt8] = [21, 3, 3, 0, 2, 2, 112]

    @Test func nothingButTheHostsClientHelloReachesTheUpstream() async throws {
        let sink = try ByteSink(answer: Hello.server(retry: false))
        defer { sink.stop() }
        try await withAirlock(policy: Self.policy(port: sink.port)) { airlock in
            // The host's ClientHello, written in pieces, goes through whole, and so does what follows the server's answer.
            let good = Hello.client("tunnel.test")
            let client = try Self.open(airlock, "tunnel.test:\(sink.port)")
            try client.send(bytes: Array(good.prefix(7)))
            try await Task.sleep(for: .milliseconds(50))
            try client.send(bytes: Array(good.dropFirst(7)))
            let answer = Hello.server(retry: false)
            #expect(client.read(count: answer.count) == answer)
            try client.send(bytes: Hello.records([1, 2, 3], type: 23))
            try await Task.sleep(for: .milliseconds(200))
            client.close()
            #expect(sink.connections.first == good + Hello.records([1, 2, 3], type: 23))

            // What must not pass: each closes the tunnel with nothing sent on.
            let refusals: [(String, [UInt8], String, String, [UInt8])] = [
                ("tunnel.test", Hello.client("other.test"), "sni_mismatch", "names 'other.test'", Self.unrecognizedName),
                ("tunnel.test", Hello.client("TUNNEL.test.", recordBytes: 16), "sni_mismatch", "names 'TUNNEL.test.'", Self.unrecognizedName),
                ("tunnel.test", Hello.client("tunnel.test", ech: true), "sni_mismatch", "Encrypted Client Hello", Self.unrecognizedName),
                ("127.0.0.1", Hello.client("tunnel.test"), "sni_mismatch", "but the tunnel is for the address 127.0.0.1", Self.unrecognizedName),
                ("tunnel.test", Array("GET / HTTP/1.1\r\nHost: internal\r\n\r\n".utf8), "tunnel_not_allowed", "does not speak TLS", []),
                ("tunnel.test", Hello.records(Hello.message(Hello.serverName(["tunnel.test", "other.test"]))), "malformed_request",
                 "not exactly one host name", [21, 3, 3, 0, 2, 2, 50]),
            ]
            for (host, bytes, reason, detail, alert) in refusals {
                let before = sink.connections.count
                let refused = try Self.open(airlock, "\(host):\(sink.port)")
                try refused.send(bytes: bytes)
                #expect(refused.readToEnd() == alert, "\(detail)")
                refused.close()
                try await Task.sleep(for: .milliseconds(100))
                #expect(sink.connections.count == before + 1 && sink.connections.last == [], "\(detail): \(sink.connections.last ?? [])")
                let event = try #require(Self.tunnelEvents(airlock).last)
                #expect(event["decision"] as? String == "deny" && event["reason"] as? String == reason, "\(event)")
                #expect((event["detail"] as? String ?? "").contains(detail), "\(event)")
                #expect((event["detail"] as? String ?? "").hasSuffix("tunnel closed before any of its bytes reached the upstream"), "\(event)")
            }
            // An address's tunnel carries a ClientHello that names nobody.
            let plain = try Self.open(airlock, "127.0.0.1:\(sink.port)")
            try plain.send(bytes: Hello.client(nil))
            try await Task.sleep(for: .milliseconds(200))
            plain.close()
            #expect(sink.connections.last == Hello.client(nil))
        }
    }

    /// A client may not change the name in the second ClientHello that a HelloRetryRequest asks for.
    @Test func theClientHelloAfterARetryIsCheckedToo() async throws {
        let sink = try ByteSink(answer: Hello.server(retry: true))
        defer { sink.stop() }
        try await withAirlock(policy: Self.policy(port: sink.port)) { airlock in
            let first = Hello.client("tunnel.test")
            let client = try Self.open(airlock, "tunnel.test:\(sink.port)")
            try client.send(bytes: first)
            let retry = Hello.server(retry: true)
            #expect(client.read(count: retry.count) == retry)
            try client.send(bytes: Hello.changeCipherSpec + Hello.client("other.test"))
            #expect(client.readToEnd() == Self.unrecognizedName)
            client.close()
            try await Task.sleep(for: .milliseconds(100))
            #expect(sink.connections == [first], "only the first ClientHello reached the upstream")
            let event = try #require(Self.tunnelEvents(airlock).last)
            #expect(event["reason"] as? String == "sni_mismatch" && (event["detail"] as? String ?? "").contains("names 'other.test'"), "\(event)")

            // The same name again goes through.
            let again = try Self.open(airlock, "tunnel.test:\(sink.port)")
            try again.send(bytes: first)
            #expect(again.read(count: retry.count) == retry)
            try again.send(bytes: Hello.changeCipherSpec + first)
            try await Task.sleep(for: .milliseconds(200))
            again.close()
            #expect(sink.connections.last == first + Hello.changeCipherSpec + first)
        }
    }

    @Test func aClientThatSendsNoClientHelloIsClosedAtTheHeadTimeout() async throws {
        let sink = try ByteSink()
        defer { sink.stop() }
        let airlock = try await Harness(policy: Self.policy(port: sink.port), headTimeout: .milliseconds(400))
        try await airlock.run {
            let client = try Self.open(airlock, "tunnel.test:\(sink.port)")
            try client.send(bytes: Array(Hello.client("tunnel.test").prefix(20)))
            let started = Date()
            #expect(client.readToEnd().isEmpty)
            #expect(Date().timeIntervalSince(started) < 5)
            client.close()
            let event = try #require(Self.tunnelEvents(airlock).last)
            #expect(event["decision"] as? String == "deny" && event["reason"] as? String == "request_timeout", "\(event)")
            #expect((event["detail"] as? String ?? "").contains("no complete TLS ClientHello within 400 ms"), "\(event)")
            #expect(sink.connections == [[]])
        }
    }

    /// A name with several addresses: a tunnel goes to the first that accepts (here the second;
    /// nothing listens on 127.0.0.2), and is refused only when none does, every attempt named.
    @Test func aTunnelTriesEachAddressInTurn() async throws {
        let sink = try ByteSink()
        defer { sink.stop() }
        let policy = """
            dns:
              static:
                multi.test: [127.0.0.2, 127.0.0.1]
                dead.test: [127.0.0.2, 127.0.0.3]
            upstreams:
              multi:
                url: https://multi.test:\(sink.port)
                tunnel: opaque
                allow_addresses: [127.0.0.0/8]
              dead:
                url: https://dead.test:\(sink.port)
                tunnel: opaque
                allow_addresses: [127.0.0.0/8]
            """
        try await withAirlock(policy: policy) { airlock in
            let client = try Self.open(airlock, "multi.test:\(sink.port)")
            try client.send("through")
            try await Task.sleep(for: .milliseconds(200))
            client.close()
            #expect(sink.connections == [Array("through".utf8)])
            let opened = try #require(Self.tunnelEvents(airlock).last)
            #expect(opened["decision"] as? String == "allow" && opened["address"] as? String == "127.0.0.1", "\(opened)")

            let refused = try BlockingClient(port: airlock.port)
            defer { refused.close() }
            try refused.send("CONNECT dead.test:\(sink.port) HTTP/1.1\r\nHost: dead.test\r\n\r\n")
            #expect(refused.read(until: "\r\n\r\n").hasPrefix("HTTP/1.1 502"))
            let event = try #require(Self.tunnelEvents(airlock).last)
            let detail = event["detail"] as? String ?? ""
            #expect(event["reason"] as? String == "upstream_unreachable", "\(event)")
            #expect(detail.contains("127.0.0.2 port \(sink.port)") && detail.contains("127.0.0.3 port \(sink.port)"), "\(detail)")
        }
    }

    /// `tunnel: opaque` carries anything, unseen.
    @Test func anOpaqueTunnelCarriesAnyBytes() async throws {
        let sink = try ByteSink()
        defer { sink.stop() }
        let extra = """
              ssh:
                url: https://ssh.test:\(sink.port)
                tunnel: opaque
                allow_addresses: [127.0.0.1/32]
            """
        try await withAirlock(policy: Self.policy(port: sink.port, extra: extra)) { airlock in
            let client = try Self.open(airlock, "ssh.test:\(sink.port)")
            try client.send("SSH-2.0-OpenSSH_9.6\r\n")
            try await Task.sleep(for: .milliseconds(200))
            client.close()
            #expect(sink.connections == [Array("SSH-2.0-OpenSSH_9.6\r\n".utf8)])
            #expect(Self.tunnelEvents(airlock).map { $0["decision"] as? String } == ["allow"])
        }
    }
}
