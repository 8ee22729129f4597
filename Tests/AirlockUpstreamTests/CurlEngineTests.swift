import AirlockCurl
import AirlockTestSupport
import Foundation
import Testing

/// libcurl against a real loopback server: the connect-time check, limits, failure mapping.
@Suite(.serialized) struct CurlEngineTests {
    static let engine = try! CurlEngine()

    static func perform(_ request: CurlRequest) async -> Result<CurlResponse, CurlFailure> {
        await withCheckedContinuation { continuation in
            engine.perform(request) { continuation.resume(returning: $0) }
        }
    }

    static func request(port: Int, path: String = "/", host: String = "127.0.0.1", resolve: [String] = [],
                        maxBytes: Int = 1 << 20, timeoutMs: Int = 5000,
                        allow: @escaping @Sendable ([UInt8], Int) -> Bool = { _, _ in true }) -> CurlRequest {
        CurlRequest(url: "http://\(host):\(port)\(path)", method: "GET", headers: [], body: [], resolve: resolve,
                    connectTimeoutMs: 2000, timeoutMs: timeoutMs, maxResponseBytes: maxBytes, allowConnect: allow)
    }

    @Test func connectTimeCheckRefusesBeforeAnyByteIsSent() async throws {
        let server = try await TestUpstream()
        let result = await Self.perform(Self.request(port: server.port, allow: { _, _ in false }))
        #expect(result.failure == .refusedAddress([127, 0, 0, 1], server.port))
        #expect(server.connections == 0)
        await server.stop()
    }

    @Test func pinnedNameConnectsToThePinnedAddressOnly() async throws {
        let server = try await TestUpstream()
        let seen = Seen()
        let result = await Self.perform(Self.request(
            port: server.port, host: "pinned.test", resolve: ["pinned.test:\(server.port):127.0.0.1"],
            allow: { bytes, port in seen.add(bytes, port); return true }))
        #expect(result.response?.status == 200)
        #expect(result.response?.connectedAddress == "127.0.0.1")
        #expect(server.requests.first?.header("Host") == "pinned.test:\(server.port)")
        // Checked when the socket is opened, and again before the request goes out on it.
        #expect(seen.all == [[127, 0, 0, 1], [127, 0, 0, 1]])
        await server.stop()
    }

    /// A reused (pooled) connection opens no socket, so only the check before sending sees it: a
    /// transfer whose check refuses the address of the pooled connection sends nothing on it.
    @Test func aReusedConnectionIsCheckedBeforeTheRequestGoesOut() async throws {
        let server = try await TestUpstream()
        let first = await Self.perform(Self.request(port: server.port, allow: { _, _ in true }))
        #expect(first.response?.status == 200)
        let second = await Self.perform(Self.request(port: server.port, allow: { _, _ in false }))
        #expect(second.failure == .refusedAddress([127, 0, 0, 1], server.port))
        #expect(server.connections == 1 && server.requests.count == 1, "\(server.connections) connections, \(server.requests.count) requests")
        await server.stop()
    }

    @Test func responseSizeCapAbortsTheTransfer() async throws {
        let server = try await TestUpstream { _ in .json(String(repeating: "x", count: 4000)) }
        let result = await Self.perform(Self.request(port: server.port, maxBytes: 1000))
        #expect(result.failure == .tooLarge)
        await server.stop()
    }

    @Test func totalTimeoutIsEnforced() async throws {
        let server = try await TestUpstream { _ in TestUpstream.Response(delayMs: 1500) }
        let result = await Self.perform(Self.request(port: server.port, timeoutMs: 300))
        guard case .timeout = result.failure else {
            Issue.record("expected a timeout, got \(result)")
            return
        }
        await server.stop()
    }

    @Test func refusedConnectionIsUnreachable() async throws {
        let port = try freePort()
        let result = await Self.perform(Self.request(port: port))
        guard case .unreachable = result.failure else {
            Issue.record("expected unreachable, got \(result)")
            return
        }
    }

    @Test func proxyEnvironmentVariablesAreIgnored() async throws {
        let server = try await TestUpstream()
        setenv("http_proxy", "http://127.0.0.1:1", 1)
        setenv("ALL_PROXY", "http://127.0.0.1:1", 1)
        let result = await Self.perform(Self.request(port: server.port))
        unsetenv("http_proxy")
        unsetenv("ALL_PROXY")
        #expect(result.response?.status == 200)
        await server.stop()
    }

    @Test func manyConcurrentTransfersComplete() async throws {
        let server = try await TestUpstream()
        let statuses = await withTaskGroup(of: Int.self) { group in
            for i in 0..<200 {
                group.addTask { (await Self.perform(Self.request(port: server.port, path: "/\(i)"))).response?.status ?? 0 }
            }
            var all: [Int] = []
            for await status in group { all.append(status) }
            return all
        }
        #expect(statuses.count == 200)
        #expect(statuses.allSatisfy { $0 == 200 })
        await server.stop()
    }
}

final class Seen: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [[UInt8]] = []
    func add(_ bytes: [UInt8], _ port: Int) { lock.withLock { list.append(bytes) } }
    var all: [[UInt8]] { lock.withLock { list } }
}

extension Result where Failure == CurlFailure {
    var failure: CurlFailure? { if case .failure(let f) = self { f } else { nil } }
    var response: Success? { if case .success(let r) = self { r } else { nil } }
}
