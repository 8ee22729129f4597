import AirlockCurl
import AirlockInspection
import AirlockPolicy
import AirlockProxy
import ArgumentParser
import Foundation

extension Airlock {
    /// `airlock serve`: runs the proxy until SIGINT or SIGTERM; SIGHUP reloads the policy,
    /// SIGUSR1 reopens the audit log.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the proxy.",
            discussion: """
                SIGINT or SIGTERM stops it cleanly (calls in flight finish, the audit log is flushed). \
                SIGHUP reloads the policy: requests from then on are decided by the new one, calls in \
                flight finish under theirs, connections stay open (CONNECT tunnels the new policy refuses \
                are closed, audited); a policy with errors is refused and \
                the running one kept. SIGUSR1 reopens the audit log (after a rotation moved it).
                """)

        @OptionGroup var options: PolicyOptions

        @Option(name: .long, help: "HOST:PORT to listen on (overrides the policy's listen).")
        var listen: String?

        @Option(name: .long, help: "CA bundle for verifying upstream TLS (default: the system store).")
        var caFile: String?

        @Option(name: .long, help: "Event loop threads (default: one per core; libcurl and the audit log have a thread each besides).")
        var threads: Int?

        func run() async throws {
            let policy = try loadPolicy(options.policy)
            let firewall = try compileFirewall(policy, path: options.policy)
            var override: Policy.Listen?
            if let listen {
                guard let parsed = Policy.Listen.parse(listen) else {
                    throw ValidationError("--listen must be HOST:PORT with an IP address or localhost, not '\(listen)'")
                }
                override = parsed
            }
            var configuration = AirlockServer.Configuration(policy: policy, listen: override)
            configuration.caFile = caFile
            configuration.firewall = firewall
            if let threads {
                guard (1...64).contains(threads) else { throw ValidationError("--threads must be 1...64") }
                configuration.threads = threads
            }
            let server: AirlockServer
            do {
                server = try AirlockServer(configuration: configuration)
            } catch {
                printError("airlock: \(error)")
                throw ExitCode(1)
            }
            let bound: (host: String, port: Int)
            do {
                bound = try await server.start()
            } catch {
                printError("airlock: cannot listen on \(configuration.listen): \(error)")
                await server.shutdown()
                throw ExitCode(1)
            }
            let shown = bound.host.contains(":") ? "[\(bound.host)]:\(bound.port)" : "\(bound.host):\(bound.port)"
            print("airlock: listening on http://\(shown)")
            print("airlock: policy \(policy.sources.joined(separator: ", ")) — \(policy.upstreams.count) upstream(s): \(policy.upstreams.map(\.name).joined(separator: ", "))")
            print("airlock: \(firewall.summary)")
            for warning in tunnelWarnings(policy) { printError("airlock: " + warning) }
            print("airlock: audit log \(policy.auditFile)")
            print("airlock: \(CurlEngine.version.split(separator: " ").prefix(2).joined(separator: " "))")
            fflush(nil)
            let path = options.policy
            let controls = DispatchQueue(label: "airlock-controls")
            let handlers = [
                Signals.on(SIGHUP, queue: controls) { Self.reload(server, path: path) },
                Signals.on(SIGUSR1, queue: controls) {
                    server.reopenAuditLog()
                    print("airlock: SIGUSR1, reopening the audit log \(policy.auditFile)")
                    fflush(nil)
                },
            ]
            let signal = await StopSignal.wait()
            print("airlock: \(signal), stopping (finishing calls in flight, flushing the audit log)")
            fflush(nil)
            // No reload or reopen runs during the stop: the handlers go, and one already running finishes first.
            handlers.forEach { $0.cancel() }
            controls.sync {}
            await server.shutdown()
            print("airlock: stopped")
        }

        /// SIGHUP: loads and compiles the policy again and swaps it in, or keeps the running one
        /// and prints every error with file and line.
        static func reload(_ server: AirlockServer, path: String) {
            defer { fflush(nil) }
            let policy: Policy
            do {
                policy = try PolicyLoader.load(path: path)
            } catch {
                for problem in error.errors { printError(problem.description) }
                printError("airlock: SIGHUP: \(error.errors.count) error(s) in policy \(path); still running the policy loaded before")
                return
            }
            do {
                let warnings = try server.reload(policy: policy)
                for warning in warnings { printError("airlock: warning: " + warning) }
            } catch {
                for problem in error.errors { printError(problem.description) }
                printError("airlock: SIGHUP: \(error.errors.count) error(s) in the schemas named by policy \(path); still running the policy loaded before")
                return
            }
            print("airlock: SIGHUP, reloaded policy \(policy.sources.joined(separator: ", ")) — \(policy.upstreams.count) upstream(s): \(policy.upstreams.map(\.name).joined(separator: ", "))")
            for warning in tunnelWarnings(policy) { printError("airlock: " + warning) }
        }
    }
}

/// Signals that control a running server (their default action, ending the process, is turned off).
enum Signals {
    /// Runs `handler` on `queue` each time `number` arrives, until the returned source is cancelled.
    static func on(_ number: Int32, queue: DispatchQueue, _ handler: @escaping @Sendable () -> Void) -> DispatchSourceSignal {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
        source.setEventHandler(handler: handler)
        source.resume()
        return source
    }
}

/// Waits for SIGINT or SIGTERM without a signal handler racing the runtime.
enum StopSignal {
    static func wait() async -> String {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        return await withCheckedContinuation { continuation in
            let queue = DispatchQueue(label: "airlock-signals")
            let once = Once()
            for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler {
                    if once.fire() { continuation.resume(returning: name) }
                }
                source.resume()
                once.keep(source)
            }
        }
    }

    final class Once: @unchecked Sendable {
        private var fired = false
        private var sources: [DispatchSourceSignal] = []
        private let lock = NSLock()
        func fire() -> Bool { lock.withLock { defer { fired = true }; return !fired } }
        func keep(_ source: DispatchSourceSignal) { lock.withLock { sources.append(source) } }
    }
}

/// Loads a policy or prints every error with file and line and exits 1.
func loadPolicy(_ path: String) throws -> Policy {
    do {
        return try PolicyLoader.load(path: path)
    } catch {
        for problem in error.errors { printError(problem.description) }
        printError("airlock: \(error.errors.count) error(s) in policy \(path)")
        throw ExitCode(1)
    }
}

/// Upstreams whose response rules a CONNECT tunnel would bypass (tunnels carry TLS Airlock cannot read).
func tunnelWarnings(_ policy: Policy) -> [String] {
    policy.upstreams.filter { $0.tunnel != .deny && (!$0.responses.isEmpty || $0.unmatched == .block) }.map {
        "warning: upstream '\($0.name)' allows CONNECT tunnels (tunnel: \($0.tunnel.rawValue)), which bypass its response rules; clients that must be checked have to use the gateway"
    }
}

/// Compiles every schema and OpenAPI document the policy names, or prints each error and exits 1.
func compileFirewall(_ policy: Policy, path: String) throws -> ResponseFirewall {
    do {
        return try ResponseFirewall(policy: policy)
    } catch {
        for problem in error.errors { printError(problem.description) }
        printError("airlock: \(error.errors.count) error(s) in the schemas named by policy \(path)")
        throw ExitCode(1)
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
