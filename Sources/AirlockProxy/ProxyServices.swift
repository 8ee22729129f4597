import AirlockAudit
import AirlockCore
import AirlockInspection
import AirlockPolicy
import AirlockUpstream
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Foundation

/// One loaded policy and what is compiled from it. A reload makes a new one; a request uses the
/// one that was current when its head arrived, for the whole call, so a reload never changes
/// the rules under a call in flight.
final class PolicyState: Sendable {
    let policy: Policy
    let exchange: Exchange
    let resolver: AirlockUpstream.Resolver
    /// The compiled response rules.
    let firewall: ResponseFirewall

    init(policy: Policy, exchange: Exchange, resolver: AirlockUpstream.Resolver, firewall: ResponseFirewall) {
        self.policy = policy
        self.exchange = exchange
        self.resolver = resolver
        self.firewall = firewall
    }
}

/// What every connection handler shares: the current policy and the long-lived engines.
/// Built once at startup (the policy part again on each reload); nothing here is re-derived per request.
final class ProxyServices: Sendable {
    private let current: NIOLockedValueBox<PolicyState>
    let addressGuard: AddressGuard
    let audit: AuditLog
    /// Where large response bodies are validated, off the event loops.
    let inspectionPool: NIOThreadPool
    /// Bodies up to this size are inspected inline on the event loop (cheaper than a thread hop).
    let inlineInspectionBytes = 64 << 10
    private let sequence = NIOLockedValueBox<UInt64>(0)
    private let inFlight = NIOLockedValueBox<Int>(0)
    private let drainingFlag = NIOLockedValueBox<Bool>(false)

    /// Set when a stop begins: requests that arrive on open connections get `shutting_down`.
    var draining: Bool {
        get { drainingFlag.withLockedValue { $0 } }
        set { drainingFlag.withLockedValue { $0 = newValue } }
    }

    private let inboxes: [ObjectIdentifier: LoopInbox]
    /// Each upstream's calls and tunnels in flight (shared with every state's `exchange`, for
    /// redirect hops, and kept across reloads: calls in flight give their slots back to it).
    let limiter: CallLimiter
    /// Each client's call rate per upstream (`limits.rate`), kept across reloads (shared with every
    /// state's `exchange`, for redirect hops into other upstreams).
    let rates: RateLimiter
    /// The open CONNECT tunnels (a reload closes those its policy refuses).
    let tunnels = TunnelRegistry()

    /// A request body must arrive at `minRate` bytes per second on average once `grace` ns have
    /// passed since its head (a body trickled in to hold a connection is refused).
    let bodyPace: (grace: UInt64, minRate: Int)
    /// How long a `tunnel: allow` tunnel's client has to send its TLS ClientHello (the head timeout:
    /// both are the time a client has to say what it wants).
    let helloTimeout: TimeAmount

    init(state: PolicyState, limiter: CallLimiter, rates: RateLimiter, addressGuard: AddressGuard, audit: AuditLog,
         inspectionPool: NIOThreadPool, loops: [EventLoop], headTimeout: TimeAmount, bodyMinRate: Int) {
        self.current = NIOLockedValueBox(state)
        self.limiter = limiter
        self.rates = rates
        self.bodyPace = (grace: UInt64(headTimeout.nanoseconds), minRate: bodyMinRate)
        self.helloTimeout = headTimeout
        self.inspectionPool = inspectionPool
        self.inboxes = Dictionary(loops.map { (ObjectIdentifier($0), LoopInbox(loop: $0)) }, uniquingKeysWith: { a, _ in a })
        self.addressGuard = addressGuard
        self.audit = audit
    }

    /// The policy new requests are decided by.
    var state: PolicyState { current.withLockedValue { $0 } }

    /// Makes `state` the policy of every request whose head arrives from now on.
    func install(_ state: PolicyState) {
        current.withLockedValue { $0 = state }
    }

    /// The inbox of `loop` (every loop of the server's group has one, made at startup).
    func inbox(for loop: EventLoop) -> LoopInbox {
        inboxes[ObjectIdentifier(loop)] ?? LoopInbox(loop: loop)
    }

    func nextRequestID() -> String {
        RequestID.make(sequence.withLockedValue { $0 += 1; return $0 })
    }

    /// Starts a call to `upstream` if one of its `limits.concurrent_calls` slots is free (false:
    /// refuse it). Calls are counted between decision and audit record, so a clean stop can wait for them.
    func begin(_ upstream: Upstream) -> Bool {
        guard limiter.acquire(upstream) else { return false }
        inFlight.withLockedValue { $0 += 1 }
        return true
    }

    /// Ends a call that `begin` started (on the upstream it was routed to; redirect hops to other
    /// upstreams give their slots back themselves, see `Exchange`).
    func end(_ upstream: Upstream) {
        inFlight.withLockedValue { $0 -= 1 }
        limiter.release(upstream)
    }

    var pending: Int { inFlight.withLockedValue { $0 } }
}

/// Facts about one call gathered on the way, turned into the audit event at the end.
struct CallRecord {
    let requestID: String
    let started: UInt64          // monotonic ns
    let wallClock: Double        // seconds since 1970
    /// The client's policy name when identified, else its address (set once the head is read).
    var client: String
    let clientAddress: String
    var mode: ProxyMode
    let method: String
    var url: String
    var upstream: String?
    var host: String?
    var port: Int?
    var address: String?
    var bytesOut = 0

    func event(decision: String, reason: Reason?, detail: String?, rule: String? = nil, location: String? = nil, keyword: String? = nil,
               status: Int, upstreamStatus: Int? = nil, bytesIn: Int = 0) -> AuditEvent {
        AuditEvent(
            time: wallClock, requestID: requestID, client: client, clientAddress: clientAddress, mode: mode.rawValue, method: method,
            url: Redaction.url(url), upstream: upstream, host: host, port: port, address: address,
            decision: decision, reason: reason?.rawValue, detail: detail, rule: rule, location: location, keyword: keyword, status: status,
            upstreamStatus: upstreamStatus, bytesIn: bytesIn, bytesOut: bytesOut,
            durationMs: Double(DispatchTime.now().uptimeNanoseconds &- started) / 1_000_000
        )
    }
}
