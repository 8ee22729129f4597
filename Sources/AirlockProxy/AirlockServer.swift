import AirlockAudit
import AirlockCore
import AirlockCurl
import AirlockInspection
import AirlockPolicy
import AirlockUpstream
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A running Airlock: the NIO listener plus the curl engine and the audit writer.
///
/// Used by `airlock serve` and by the end-to-end tests, which start it on port 0.
public final class AirlockServer: Sendable {
    /// Startup settings.
    public struct Configuration: Sendable {
        /// The validated policy.
        public var policy: Policy
        /// Where to listen (from `--listen` or the policy).
        public var listen: Policy.Listen
        /// Event loop threads (default: one per core).
        public var threads: Int = System.coreCount
        /// A CA bundle for upstream TLS (tests with a private CA); nil = system store.
        public var caFile: String?
        /// The policy's response rules, compiled (nil: compiled from `policy` when the server is created).
        public var firewall: ResponseFirewall?
        /// Time from a request head's first byte to its end; later is 408 `request_timeout` (slowloris).
        public var headTimeout: TimeAmount = .seconds(10)
        /// Time without a byte read or written after which a client connection is closed (a request
        /// whose body stopped arriving gets 408 `request_timeout` first).
        public var idleTimeout: TimeAmount = .seconds(120)
        /// Once `headTimeout` has passed since its head, a request body must have arrived at this
        /// average rate (bytes per second) or more; slower is 408 `request_timeout` (a trickled body).
        public var bodyMinRate = 1024

        /// Creates a configuration listening where the policy says.
        public init(policy: Policy, listen: Policy.Listen? = nil) {
            self.policy = policy
            self.listen = listen ?? policy.listen
        }
    }

    private let configuration: Configuration
    private let group: MultiThreadedEventLoopGroup
    private let engine: CurlEngine
    /// Recent system resolver answers, kept across reloads (`dns.static` is consulted first).
    private let dnsCache = DNSCache()
    private let audit: AuditLog
    private let firewall: ResponseFirewall
    private let inspectionPool: NIOThreadPool
    private let channel = NIOLockedValueBox<Channel?>(nil)
    private let services = NIOLockedValueBox<ProxyServices?>(nil)

    /// Compiles the response rules, opens the audit log and starts the curl engine; `start()` begins listening.
    /// Throws `PolicyErrors` when a schema or OpenAPI document named by the policy does not compile.
    public init(configuration: Configuration) throws {
        self.configuration = configuration
        self.firewall = try configuration.firewall ?? ResponseFirewall(policy: configuration.policy)
        self.inspectionPool = NIOThreadPool(numberOfThreads: max(1, System.coreCount))
        self.inspectionPool.start()
        let audit = try AuditLog(path: configuration.policy.auditFile)
        self.audit = audit
        do {
            self.engine = try CurlEngine()
        } catch {
            audit.close()   // its writer thread ends with it
            inspectionPool.shutdownGracefully { _ in }
            throw error
        }
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.threads))
    }

    /// Binds and starts accepting; returns the bound address (port 0 becomes the real port).
    @discardableResult
    public func start() async throws -> (host: String, port: Int) {
        let services = self.services
        let headTimeout = configuration.headTimeout, idleTimeout = configuration.idleTimeout
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.autoRead, value: false)   // no connection before the guard knows our port
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                guard let shared = services.withLockedValue({ $0 }) else {
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    // Idle clients (and slowloris heads) are closed; tunnels get the same bound.
                    try pipeline.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                    try pipeline.addHandler(HTTPResponseEncoder())
                    try pipeline.addHandler(HeadDeadlineHandler(timeout: headTimeout))
                    try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)))
                    try pipeline.addHandler(RequestSequencer())
                    try pipeline.addHandler(ProxyHandler(services: shared))
                }
            }
        let listen = configuration.listen
        let host = listen.host == "localhost" ? "127.0.0.1" : listen.host
        let server = try await bootstrap.bind(host: host, port: listen.port).get()
        let port = server.localAddress?.port ?? listen.port
        let own = IPAddress(host)
        let policy = configuration.policy
        let addressGuard = AddressGuard(ownAddresses: [(address: own, port: port)])
        let limiter = CallLimiter(policy: policy), rates = RateLimiter()
        let state = makeState(policy: policy, firewall: firewall, addressGuard: addressGuard, limiter: limiter, rates: rates)
        services.withLockedValue {
            $0 = ProxyServices(
                state: state, limiter: limiter, rates: rates, addressGuard: addressGuard, audit: audit, inspectionPool: inspectionPool,
                loops: Array(group.makeIterator()),
                headTimeout: configuration.headTimeout, bodyMinRate: configuration.bodyMinRate)
        }
        channel.withLockedValue { $0 = server }
        try await server.setOption(.autoRead, value: true).get()
        return (host, port)
    }

    /// The policy-derived part of the services: resolver, upstream client and redirect handling.
    private func makeState(policy: Policy, firewall: ResponseFirewall, addressGuard: AddressGuard, limiter: CallLimiter, rates: RateLimiter) -> PolicyState {
        let resolver = Resolver(staticTable: policy.staticDNS, cache: dnsCache)
        let client = UpstreamClient(engine: engine, resolver: resolver, addressGuard: addressGuard, caFile: configuration.caFile)
        return PolicyState(policy: policy, exchange: Exchange(client: client, policy: policy, limiter: limiter, rates: rates), resolver: resolver, firewall: firewall)
    }

    /// Replaces the running policy (SIGHUP in `airlock serve`): requests whose head arrives from now
    /// on are decided by `policy`; calls in flight finish under the policy they started with.
    /// Connections stay open, except CONNECT tunnels that the new policy refuses (a tunnel can last
    /// as long as its client likes): they are closed, each audited as a deny. Concurrency slots and
    /// rate buckets carry over by upstream name.
    /// `listen` and `audit.file` are bound at start: a change to them is returned as a warning,
    /// not applied. Throws `PolicyErrors` when a schema the new policy names does not compile,
    /// and then changes nothing.
    public func reload(policy: Policy, firewall compiled: ResponseFirewall? = nil) throws(PolicyErrors) -> [String] {
        if services.withLockedValue({ $0?.draining }) == true {
            throw PolicyErrors([PolicyError(file: policy.sources.first ?? "", line: 0, column: 0, message: "Airlock is stopping; the policy is not reloaded")])
        }
        let firewall: ResponseFirewall
        if let compiled { firewall = compiled } else { firewall = try ResponseFirewall(policy: policy) }
        guard let shared = services.withLockedValue({ $0 }) else {
            throw PolicyErrors([PolicyError(file: policy.sources.first ?? "", line: 0, column: 0, message: "the server is not started")])
        }
        var warnings: [String] = []
        // Compared with what is bound, not with the last policy loaded: a second reload that keeps
        // a changed value still warns, and one that reverts it does not. A `--listen` that
        // overrode the policy's listen keeps overriding it.
        let listenFromPolicy = configuration.listen == configuration.policy.listen
        if listenFromPolicy && policy.listen != configuration.listen {
            warnings.append("listen changed to \(policy.listen): still listening on \(configuration.listen) until a restart")
        }
        if policy.auditFile != audit.path {
            warnings.append("audit.file changed to \(policy.auditFile): still writing \(audit.path) until a restart")
        }
        shared.install(makeState(policy: policy, firewall: firewall, addressGuard: shared.addressGuard, limiter: shared.limiter, rates: shared.rates))
        shared.limiter.adopt(policy)
        shared.rates.adopt(policy)
        // A tunnel lasts as long as its client likes: those the new policy refuses are closed (audited) now.
        let closed = shared.tunnels.revoke(under: policy, addressGuard: shared.addressGuard, audit: audit)
        if closed > 0 { warnings.append("closed \(closed) open tunnel(s) that the new policy refuses (each audited as a deny)") }
        return warnings
    }

    /// Reopens the audit log at its path (SIGUSR1 in `airlock serve`), after a log rotation moved it.
    public func reopenAuditLog() {
        audit.reopen()
    }

    /// Stops accepting, lets calls in flight finish (up to `grace`), flushes the audit log.
    ///
    /// Order matters: new requests on open connections are refused (and audited) first, the
    /// curl engine stops only when no call is in flight, the audit log is drained while the
    /// event loops still run (its callbacks answer clients), and the loops stop last.
    public func shutdown(grace: Duration = .seconds(5)) async {
        if let server = channel.withLockedValue({ $0 }) {
            try? await server.close().get()
        }
        let shared = services.withLockedValue { $0 }
        shared?.draining = true
        let deadline = ContinuousClock.now + grace
        while let shared, shared.pending > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        engine.shutdown()
        // Responses still being inspected finish while the audit log and the loops still take them.
        try? await inspectionPool.shutdownGracefully()
        audit.close()
        // Answers whose audit callbacks just ran are queued on their event loops, and each may queue
        // its write in turn: two rounds of an empty task on every loop let both run before the loops stop.
        for _ in 0..<2 {
            for loop in group.makeIterator() { try? await loop.submit {}.get() }
        }
        try? await group.shutdownGracefully()
    }
}
