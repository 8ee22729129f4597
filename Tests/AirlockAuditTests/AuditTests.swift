import Foundation
import Testing
@testable import AirlockAudit

struct AuditTests {
    @Test func serializesEveryFieldAsOneJSONLine() throws {
        let event = AuditEvent(
            time: 1_764_400_000.123, requestID: "r-1", client: "10.0.0.1", mode: "gateway", method: "GET",
            url: "https://a.test/x?k=REDACTED", upstream: "a", host: "a.test", port: 443, address: "93.184.216.34",
            decision: "deny", reason: "host_not_allowed", detail: "line\nbreak \"quoted\" \u{1}", status: 403,
            upstreamStatus: nil, bytesIn: 0, bytesOut: 12, durationMs: 1.5)
        let line = event.jsonLine()
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["time"] as? String == "2025-11-29T07:06:40.123Z")
        #expect(object["detail"] as? String == "line\nbreak \"quoted\" \u{1}")
        #expect(object["upstream_status"] is NSNull)
        for key in ["time", "request_id", "client", "mode", "method", "url", "upstream", "host", "port", "address", "decision",
                    "reason", "detail", "status", "upstream_status", "bytes_in", "bytes_out", "duration_ms"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(AuditReader.parse(Data(line.utf8)) == event)
    }

    @Test(arguments: [
        ("https://a.test/x?api_key=sk_live_1&page=2", "https://a.test/x?api_key=REDACTED&page=REDACTED"),
        ("https://a.test/x?sk_live_bare", "https://a.test/x?REDACTED"),
        ("https://a.test/x", "https://a.test/x"),
        ("https://a.test/x?a=1#frag", "https://a.test/x?a=REDACTED"),
    ])
    func redactsQueryValues(url: String, expected: String) { #expect(Redaction.url(url) == expected) }

    @Test func writesEveryEventBeforeCloseReturns() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)/a.jsonl").path
        let log = try AuditLog(path: path)
        let acknowledged = ManagedCounter()
        for i in 0..<500 {
            log.record(AuditEvent(time: 0, requestID: "r\(i)", client: "c", mode: "gateway", method: "GET", url: "/", decision: "allow", status: 200)) { written in
                if written { acknowledged.increment() }
            }
        }
        log.close()
        #expect(acknowledged.value == 500)
        let reader = try AuditReader(path: path, filter: .init())
        #expect(reader.events.count == 500)
        #expect(reader.events.map(\.requestID) == (0..<500).map { "r\($0)" })
    }

    /// A log that cannot be written (a full disk: /dev/full fails every write with ENOSPC) tells
    /// each caller so, and the metrics count the events as unwritten, not as decisions.
    @Test func aFailedWriteIsReportedToTheCallerAndCounted() throws {
        let log = try AuditLog(path: "/dev/full")
        let written = ManagedCounter(), failed = ManagedCounter()
        for i in 0..<20 {
            log.record(AuditEvent(time: 0, requestID: "r\(i)", client: "c", mode: "gateway", method: "GET", url: "/", upstream: "u", decision: "allow", status: 200)) { ok in
                if ok { written.increment() } else { failed.increment() }
            }
        }
        log.close()
        #expect(written.value == 0 && failed.value == 20)
        #expect(log.metrics.failing)
        let text = log.metrics.prometheus(inFlight: [:])
        #expect(text.contains("airlock_audit_write_errors_total 20"))
        #expect(text.contains("airlock_audit_events_total 0"))
        #expect(!text.contains("airlock_decisions_total{"), "an unwritten event was counted as a decision")
        // After close the caller writes itself, and is told the same.
        let late = ManagedCounter()
        log.record(AuditEvent(time: 0, requestID: "late", client: "c", mode: "gateway", method: "GET", url: "/", decision: "deny", status: 403)) { ok in
            if !ok { late.increment() }
        }
        #expect(late.value == 1)
    }

    @Test func filtersBySinceDecisionUpstreamAndReason() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString).jsonl").path
        let log = try AuditLog(path: path)
        let now = Date().timeIntervalSince1970
        log.record(AuditEvent(time: now - 7200, requestID: "old", client: "c", mode: "forward", method: "GET", url: "/", upstream: "a", decision: "deny", reason: "host_not_allowed", status: 403))
        log.record(AuditEvent(time: now, requestID: "new-deny", client: "c", mode: "forward", method: "GET", url: "/", upstream: "a", decision: "deny", reason: "address_forbidden", status: 403))
        log.record(AuditEvent(time: now, requestID: "new-allow", client: "c", mode: "gateway", method: "GET", url: "/", upstream: "b", decision: "allow", status: 200))
        log.close()
        try "not json\n".data(using: .utf8)!.append(toFile: path)
        let recent = try AuditReader(path: path, filter: .init(since: now - 3600))
        #expect(recent.events.map(\.requestID) == ["new-deny", "new-allow"])
        #expect(recent.skippedLines == 1)
        #expect(try AuditReader(path: path, filter: .init(decision: "deny")).events.count == 2)
        #expect(try AuditReader(path: path, filter: .init(upstream: "b")).events.map(\.requestID) == ["new-allow"])
        #expect(try AuditReader(path: path, filter: .init(reason: "address_forbidden")).events.map(\.requestID) == ["new-deny"])
    }
}

final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

extension Data {
    func append(toFile path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: self)
    }
}
