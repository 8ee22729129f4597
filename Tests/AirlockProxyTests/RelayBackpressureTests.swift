import AirlockTestSupport
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A relayed (uninspected) response moves at the pace of the client that reads it: while the
/// client reads nothing, Airlock stops reading from the upstream after a bounded window instead
/// of buffering the body, and once the client reads, every byte arrives intact.
@Suite(.serialized) struct RelayBackpressureTests {
    static let bodyBytes = 64 << 20

    /// Airlock with one upstream, `bulk`, that answers with the large body (`limits` added to its own).
    static func withBulk(timeout: String = "60s", limits: String = "", _ body: (Harness, CountingUpstream) async throws -> Void) async throws {
        let upstream = try CountingUpstream(bodyBytes: bodyBytes)
        defer { upstream.stop() }
        let policy = """
        upstreams:
          bulk:
            url: http://127.0.0.1:\(upstream.port)
            allow_addresses: [127.0.0.1/32]
            limits: { response_bytes: 100MiB, timeout: \(timeout)\(limits) }
        """
        try await withAirlock(policy: policy) { airlock in try await body(airlock, upstream) }
    }

    @Test func aClientThatDoesNotReadHoldsTheUpstreamBack() async throws {
        try await Self.withBulk { airlock, upstream in
            let client = try BlockingClient(port: airlock.port)
            defer { client.close() }
            try client.send("GET /bulk/file HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            // The client reads nothing: what the upstream manages to send is what Airlock (and the
            // sockets' kernel buffers on the way, which this machine's limits size) took in, and then
            // it stands still. Without back-pressure Airlock takes everything, as fast as it can.
            try await Task.sleep(for: .milliseconds(1500))
            let sentWhileStalled = upstream.sent
            try await Task.sleep(for: .milliseconds(500))
            let sentLater = upstream.sent
            #expect(sentWhileStalled > 0 && sentWhileStalled < Self.bodyBytes, "the upstream sent \(sentWhileStalled) bytes to a client that read none")
            #expect(sentLater - sentWhileStalled < 1 << 20, "the upstream kept sending: \(sentWhileStalled) then \(sentLater) bytes")

            let answer = client.readToEnd()
            let (head, body) = try #require(Self.split(answer))
            #expect(head.hasPrefix("HTTP/1.1 200 "))
            let decoded = try #require(Self.dechunk(body), "the relayed body is not well-formed chunked encoding")
            #expect(decoded.count == Self.bodyBytes)
            let intact = stride(from: 0, to: decoded.count, by: CountingUpstream.piece).allSatisfy { start in
                let expected = CountingUpstream.piece(at: start / CountingUpstream.piece)
                return decoded[start..<min(start + expected.count, decoded.count)].withUnsafeBytes { got in
                    expected.withUnsafeBytes { got.count == $0.count && (got.count == 0 || memcmp(got.baseAddress!, $0.baseAddress!, got.count) == 0) }
                }
            }
            #expect(intact, "the relayed body differs from the upstream's")
            #expect(upstream.sent == Self.bodyBytes + upstream.headBytes)
            try await Task.sleep(for: .milliseconds(100))
            let event = try #require(airlock.auditEvents().last)
            #expect(event["decision"] as? String == "allow" && event["bytes_in"] as? Int == Self.bodyBytes)
        }
    }

    /// A client that leaves while the relay is paused does not hold the call (its slot, its
    /// transfer) until the timeout: the transfer is stopped and the call audited at once.
    @Test func aClientThatLeavesMidRelayDoesNotHoldTheCall() async throws {
        try await Self.withBulk(limits: ", concurrent_calls: 1") { airlock, upstream in
            let client = try BlockingClient(port: airlock.port)
            try client.send("GET /bulk/file HTTP/1.1\r\nHost: a\r\n\r\n")
            try await Task.sleep(for: .milliseconds(800))
            #expect(upstream.sent < 24 << 20)
            client.close()
            var event: [String: Any]?
            for _ in 0..<50 where event == nil {
                try await Task.sleep(for: .milliseconds(100))
                event = airlock.auditEvents().first { $0["upstream"] as? String == "bulk" }
            }
            let recorded = try #require(event, "no audit event 5 s after the client left: the relay still waits for it")
            #expect(recorded["status"] as? Int == 200 && recorded["decision"] as? String == "allow")
            #expect((recorded["detail"] as? String)?.contains("the client closed the connection during the relay") == true, "\(recorded)")
            let relayed = try #require(recorded["bytes_in"] as? Int)
            #expect(relayed > 0 && relayed < Self.bodyBytes)
            try await Task.sleep(for: .milliseconds(300))
            #expect(upstream.sent < Self.bodyBytes, "the transfer ran on to the end for nobody")
            let next = try airlock.gateway("/bulk/small")
            #expect(next.status == 200 && next.body == "ok", "the call still holds its slot: \(next.status) \(next.reason ?? "")")
        }
    }

    /// `limits.timeout` bounds the whole exchange, a paused relay too: a client too slow to take
    /// the body in time has the connection cut, and the record says the relay waited for it.
    @Test func aClientTooSlowForTheTimeoutIsCutAndTheRecordSaysWhy() async throws {
        try await Self.withBulk(timeout: "1s") { airlock, _ in
            let client = try BlockingClient(port: airlock.port)
            defer { client.close() }
            try client.send("GET /bulk/file HTTP/1.1\r\nHost: a\r\n\r\n")
            try await Task.sleep(for: .milliseconds(2000))
            let answer = client.readToEnd()
            let (head, body) = try #require(Self.split(answer))
            #expect(head.hasPrefix("HTTP/1.1 200 "))
            #expect(Self.dechunk(body) == nil, "a cut relay must not look complete")
            let event = try #require(airlock.auditEvents().first { $0["upstream"] as? String == "bulk" })
            #expect(event["decision"] as? String == "deny" && event["reason"] as? String == "upstream_timeout")
            #expect((event["detail"] as? String)?.contains("while the relay waited for the client to read") == true, "\(event)")
        }
    }

    static func split(_ bytes: [UInt8]) -> (String, ArraySlice<UInt8>)? {
        let marker: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4, let end = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<$0 + 4]) == marker }) else { return nil }
        return (String(decoding: bytes[..<end], as: UTF8.self), bytes[(end + 4)...])
    }

    /// The payload of a chunked body, or nil if the framing is broken or unfinished.
    static func dechunk(_ body: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bodyBytes)
        var i = body.startIndex
        while true {
            guard let lineEnd = body[i...].firstIndex(of: 10), lineEnd > i, body[lineEnd - 1] == 13 else { return nil }
            let sizeText = String(decoding: body[i..<(lineEnd - 1)], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
            i = lineEnd + 1
            if size == 0 { return out }
            guard body.endIndex - i >= size + 2 else { return nil }
            out.append(contentsOf: body[i..<(i + size)])
            i += size + 2
        }
    }
}

/// An upstream on a blocking socket that answers one request with `bodyBytes` bytes (numbered
/// 64 KiB pieces, with Content-Length) and counts what the kernel accepted from it: `send` blocks
/// once the path to the client is full, so `sent` shows how far back-pressure reaches.
final class CountingUpstream: Sendable {
    let port: Int
    let headBytes: Int
    private let listener: Int32
    private let counter = Mutex<Int>(0)
    private let bodyBytes: Int

    static let piece = 64 << 10
    private static let pattern = (0..<piece).map { UInt8(truncatingIfNeeded: $0 % 251) }

    /// Piece `index` of the body: a fixed pattern that starts with the piece's number, so a lost,
    /// repeated or reordered piece shows.
    static func piece(at index: Int) -> [UInt8] {
        var bytes = pattern
        withUnsafeBytes(of: UInt64(index).littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
        return bytes
    }

    init(bodyBytes: Int) throws {
        self.bodyBytes = bodyBytes
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: \(bodyBytes)\r\n\r\n"
        headBytes = head.utf8.count
        (listener, port) = try LoopbackSocket.listen(backlog: 4)
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                Thread.detachNewThread { [self] in serve(connection, head: Array(head.utf8)) }
            }
        }
    }

    /// Bytes the kernel accepted so far (head included).
    var sent: Int { counter.withLock { $0 } }

    func stop() { shutdown(listener, Int32(SHUT_RDWR)); Glibc.close(listener) }

    /// `GET /small` is answered with two bytes (and not counted); anything else with the body.
    private func serve(_ connection: Int32, head: [UInt8]) {
        defer { Glibc.close(connection) }
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.contains(13) || !String(decoding: request, as: UTF8.self).contains("\r\n\r\n") {
            let n = recv(connection, &buffer, buffer.count, 0)
            guard n > 0 else { return }
            request += buffer[..<n]
        }
        if String(decoding: request, as: UTF8.self).hasPrefix("GET /small ") {
            _ = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".utf8).withUnsafeBytes {
                send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            return
        }
        guard sendAll(connection, head) else { return }
        var offset = 0
        while offset < bodyBytes {
            let count = min(Self.piece, bodyBytes - offset)
            guard sendAll(connection, Array(Self.piece(at: offset / Self.piece).prefix(count))) else { return }
            offset += count
        }
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            done += n
            counter.withLock { $0 += n }
        }
        return true
    }
}

/// A client on a blocking socket with a small receive buffer, that reads only when told to.
final class BlockingClient {
    private let fd: Int32

    init(port: Int) throws {
        fd = try LoopbackSocket.connect(port: port, receiveBuffer: 32 << 10)
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) throws { try send(bytes: Array(text.utf8)) }

    func send(bytes: [UInt8]) throws {
        let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard n == bytes.count else { throw POSIXError(.EIO) }
    }

    /// Everything until the server closes (or 30 s without a byte).
    func readToEnd() -> [UInt8] {
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 256 << 10)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { return all }
            all += buffer[..<n]
        }
    }

    /// Reads `count` bytes (fewer if the server closes, or 30 s pass without a byte).
    func read(count: Int) -> [UInt8] {
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: count)
        while all.count < count {
            let n = recv(fd, &buffer, count - all.count, 0)
            guard n > 0 else { break }
            all += buffer[..<n]
        }
        return all
    }

    /// Reads until what arrived holds `marker` (or the server closes, or 30 s pass without a byte).
    func read(until marker: String) -> String {
        var all: [UInt8] = []
        var byte = [UInt8](repeating: 0, count: 1)
        let wanted = Array(marker.utf8)
        while !all.ends(with: wanted) {
            guard recv(fd, &byte, 1, 0) == 1 else { break }
            all.append(byte[0])
        }
        return String(decoding: all, as: UTF8.self)
    }

    func close() { Glibc.close(fd) }
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix) }
}
