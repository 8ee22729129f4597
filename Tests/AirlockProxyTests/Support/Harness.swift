import AirlockPolicy
import AirlockProxy
import AirlockTestSupport
import Foundation
import NIOCore
import Testing

/// Starts a real Airlock (in process, on port 0) with a policy written to a temp folder,
/// drives it with the real `curl` command, and reads back the audit log.
final class Harness: Sendable {
    let folder: URL
    let server: AirlockServer
    let port: Int
    let auditPath: String
    let listenPort: Int
    /// The policy's `audit.file` (relative to the policy's folder, or absolute).
    let auditFile: String

    /// `policyBody` is the YAML below the `listen`/`audit` lines the harness writes itself.
    init(policy policyBody: String, listenPort: Int = 0, caFile: String? = nil, headTimeout: TimeAmount? = nil,
         idleTimeout: TimeAmount? = nil, auditFile: String = "audit.jsonl") async throws {
        self.listenPort = listenPort
        self.auditFile = auditFile
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        auditPath = auditFile.hasPrefix("/") ? auditFile : folder.appendingPathComponent(auditFile).path
        let yaml = "listen: 127.0.0.1:\(listenPort)\naudit:\n  file: \(auditFile)\n" + policyBody
        let file = folder.appendingPathComponent("policy.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let policy = try PolicyLoader.load(path: file.path)
        var configuration = AirlockServer.Configuration(policy: policy)
        configuration.threads = 2
        configuration.caFile = caFile
        if let headTimeout { configuration.headTimeout = headTimeout }
        if let idleTimeout { configuration.idleTimeout = idleTimeout }
        server = try AirlockServer(configuration: configuration)
        port = try await server.start().port
    }

    /// Rewrites the policy file with `policyBody` (same listen and audit lines) and reloads it into
    /// the running server, as SIGHUP does; returns the server's warnings.
    func reload(policy policyBody: String) throws -> [String] {
        let yaml = "listen: 127.0.0.1:\(listenPort)\naudit:\n  file: \(auditFile)\n" + policyBody
        let file = folder.appendingPathComponent("policy.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return try server.reload(policy: try PolicyLoader.load(path: file.path))
    }

    /// Runs `body`, then stops this harness (and `upstream`, if given) whether `body` threw or not.
    func run(stopping upstream: TestUpstream? = nil, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            await stop()
            await upstream?.stop()
            throw error
        }
        await stop()
        await upstream?.stop()
    }

    func stop() async {
        await server.shutdown()
        try? FileManager.default.removeItem(at: folder)
    }

    struct Reply {
        let status: Int
        let headers: [String: String]   // lower-cased names
        let body: String
        let exitCode: Int32

        var reason: String? { headers["airlock-reason"] }
    }

    /// Runs curl with `arguments` (plus `-s -i`), returning the last response.
    func curl(_ arguments: [String]) throws -> Reply {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "-i", "--max-time", "20", "--noproxy", ""] + arguments
        var environment = ProcessInfo.processInfo.environment
        for key in ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"] {
            environment.removeValue(forKey: key)
        }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Self.parse(String(decoding: data, as: UTF8.self), exitCode: process.terminationStatus)
    }

    /// A gateway-mode GET/POST: `http://airlock/<path>`.
    func gateway(_ path: String, method: String = "GET", headers: [String] = [], body: String? = nil) throws -> Reply {
        var args = ["-X", method, "http://127.0.0.1:\(port)\(path)"]
        for h in headers { args += ["-H", h] }
        if let body { args += ["--data-binary", body] }
        return try curl(args)
    }

    /// A forward-proxy request for `url` through Airlock.
    func forward(_ url: String, method: String = "GET", headers: [String] = []) throws -> Reply {
        var args = ["-x", "http://127.0.0.1:\(port)", "-X", method, url]
        for h in headers { args += ["-H", h] }
        return try curl(args)
    }

    static func parse(_ text: String, exitCode: Int32) -> Reply {
        // With -i, curl prints every response head (including a CONNECT's 200); keep the last.
        var rest = Substring(text)
        var status = 0
        var headers: [String: String] = [:]
        while rest.hasPrefix("HTTP/") {
            guard let end = rest.range(of: "\r\n\r\n") else { break }
            let head = rest[..<end.lowerBound]
            rest = rest[end.upperBound...]
            var lines = head.split(separator: "\r\n").makeIterator()
            let statusLine = lines.next() ?? ""
            status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
            headers = [:]
            while let line = lines.next() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return Reply(status: status, headers: headers, body: String(rest), exitCode: exitCode)
    }

    /// All audit events so far, as JSON objects.
    func auditEvents() -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: auditPath) else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap {
            try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]
        }
    }

    /// The audit event for a request id (Airlock returns it in `Airlock-Request-Id`).
    func auditEvent(for reply: Reply) -> [String: Any]? {
        guard let id = reply.headers["airlock-request-id"] else { return nil }
        return auditEvents().first { $0["request_id"] as? String == id }
    }
}

/// Runs `body` with a started harness and always stops it.
func withAirlock(policy: String, _ body: (Harness) async throws -> Void) async throws {
    let harness = try await Harness(policy: policy)
    do {
        try await body(harness)
    } catch {
        await harness.stop()
        throw error
    }
    await harness.stop()
}
