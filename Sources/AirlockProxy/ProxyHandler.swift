import AirlockAudit
import AirlockCore
import AirlockPolicy
import AirlockUpstream
import Foundation
import NIOCore
import NIOHTTP1

/// Handles the HTTP requests of one client connection: decide, call, answer, audit.
///
/// The decision is made on the request head (pure `Router`); the call runs on the curl
/// engine, never on this event loop; the answer is written only after its audit event has
/// been handed to the kernel, so an acknowledged call always has its record.
final class ProxyHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    enum State {
        case idle
        /// Allowed so far; collecting the request body.
        case receiving(CallRecord, Route, HTTPRequestHead, ByteBuffer)
        /// A refusal was sent; the rest of this request is read and dropped.
        case discarding
        /// The upstream call is in flight.
        case waiting
        /// An uninspected response is being relayed as it arrives: head sent, body flowing.
        case streaming(status: Int, bytes: Int)
        /// An allowed CONNECT whose `.end` has not arrived yet.
        case tunnelPending(CallRecord, TunnelRoute)
        /// Tunnel bytes from the client held until the upstream connection exists.
        case tunnelConnecting([NIOAny])
    }

    var state: State = .idle
    let services: ProxyServices
    /// The policy of the request being handled: the one current when its head arrived (a reload
    /// applies from the next request on; one request at a time reaches this handler).
    var policyState: PolicyState
    /// The address the client connected from, as text (for the audit log) and parsed; "-" (which
    /// no client name can be) if the channel has none.
    var clientAddressText = "-"
    var clientAddress: IPAddress?
    /// The rate-limit key of this connection's caller when no client name identifies it.
    var anonymousRateKey = "-"
    /// The client this connection's address identifies without credentials (found once per connection).
    var addressClient: String?
    /// The last `Proxy-Authorization` value on this connection and what it proved: a keep-alive
    /// client's token is hashed once, not on every request.
    var lastAuthorization: (value: String, result: Result<String, Denial>)?
    var inbox: LoopInbox?
    /// A flush of relayed response pieces is scheduled on the loop.
    var flushPending = false
    /// A relayed response is complete and its end waits for the audit record; the end's flush
    /// carries whatever pieces are still unflushed, so they leave in one send with it.
    var endPending = false
    /// The back-pressure window of the response being relayed, and the relayed bytes the
    /// channel took while unwritable (credited to the window once it is writable again).
    var relayWindow: FlowWindow?
    var uncredited = 0
    /// The call in flight's link to this client: cut when the connection closes, which stops the call.
    var callCancellation: Cancellation?
    /// Who the pending CONNECT was decided for: the client, and the token digest that identified it.
    var tunnelClient: (name: String?, tokenDigest: [UInt8]?) = (nil, nil)

    init(services: ProxyServices) {
        self.services = services
        self.policyState = services.state
    }

    func handlerAdded(context: ChannelHandlerContext) {
        inbox = services.inbox(for: context.eventLoop)
    }

    func channelActive(context: ChannelHandlerContext) {
        clientAddressText = context.channel.remoteAddress?.ipAddress ?? "-"
        clientAddress = IPAddress(clientAddressText)
        anonymousRateKey = RateLimiter.key(address: clientAddress, text: clientAddressText)
        addressClient = policyState.policy.clients.identify(address: clientAddress)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The client is gone: a call in flight for it (waiting for the upstream, or a relay paused
        // for it) must not run on until the answer or its timeout, holding its slot.
        callCancellation?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .tunnelConnecting(var pending) = state {
            // Not HTTP any more: raw tunnel bytes, delivered once the tunnel is glued.
            state = .idle
            pending.append(data)
            state = .tunnelConnecting(pending)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head): onHead(context: context, head: head)
        case .body(let chunk): onBody(context: context, chunk: chunk)
        case .end: onEnd(context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            idle(context: context)
            return
        }
        if case .expired(let timeout)? = event as? HeadDeadlineHandler.Event {
            headExpired(context: context, timeout: timeout)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Nothing read or written for the idle timeout. Between requests the connection is closed; a
    /// request whose body stopped arriving is refused (audited) and closed too. A call in flight is
    /// bounded by its own limits instead (its client may wait silently for the answer).
    private func idle(context: ChannelHandlerContext) {
        switch state {
        case .idle, .discarding, .tunnelPending:
            context.close(promise: nil)
        case .receiving(let record, _, _, _):
            state = .discarding
            refuse(context: context, record: record, close: true, atOnce: true,
                           denial: Denial(.requestTimeout, "the request body stopped arriving (nothing read for the idle timeout)"))
        case .waiting, .streaming, .tunnelConnecting:
            break
        }
    }

    /// A head trickling in for longer than the deadline (slowloris): 408, audited, and the
    /// connection closed at once, not after the answer's bytes (a client that reads nothing would
    /// hold it). While a response is still in flight the slow head may be a pipelined one whose
    /// rest is unread in the socket: it gets a new deadline instead.
    private func headExpired(context: ChannelHandlerContext, timeout: TimeAmount) {
        switch state {
        case .idle:
            break
        case .discarding:
            // A refusal, already audited, is on its way and the connection closes after it; a
            // client that neither reads it nor stops sending gets no more time.
            context.close(promise: nil)
            return
        case .receiving, .waiting, .streaming, .tunnelPending, .tunnelConnecting:
            context.triggerUserOutboundEvent(HeadDeadlineHandler.Event.extend, promise: nil)
            return
        }
        state = .discarding
        refuse(context: context, record: newRecord(method: "-", target: "-"), close: true, atOnce: true,
                       denial: Denial(.requestTimeout, "no complete request head within \(timeout.nanoseconds / 1_000_000) ms of its first byte"))
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard error is HTTPParserError else {
            context.close(promise: nil)
            return
        }
        // Unparseable HTTP still gets an answer and an audit record, then the connection closes.
        let record = newRecord(method: "-", target: "-")
        refuse(context: context, record: record, denial: Denial(.malformedRequest, "HTTP parse error: \(error)"), close: true)
        state = .discarding
    }

    // MARK: - Request parts

    func onHead(context: ChannelHandlerContext, head: HTTPRequestHead) {
        var record = newRecord(method: head.method.rawValue, target: head.uri)
        let current = services.state
        if current !== policyState {
            // Reloaded since the last request: who this connection is may have changed too.
            policyState = current
            addressClient = current.policy.clients.identify(address: clientAddress)
            lastAuthorization = nil
        }
        let policy = current.policy
        if services.draining {
            refuse(context: context, record: record, denial: Denial(.shuttingDown, "Airlock is stopping; retry"), close: true)
            state = .discarding
            return
        }
        if let problem = RequestShape.check(head) {
            refuse(context: context, record: record, denial: problem, close: true)
            state = .discarding
            return
        }
        if head.method == .GET, Self.adminPaths.contains(head.uri) {
            // Airlock's own endpoints (no upstream name starts with `_`): not calls, so not audited,
            // unless `admin.clients` refuses the caller (a refusal is a decision like any other).
            if let denial = adminRefusal(head, record: &record) {
                refuse(context: context, record: record, denial: denial, close: true)
                state = .discarding
                return
            }
            if let (answerHead, body) = adminAnswer(head, allocator: context.channel.allocator) {
                // A body the client holds back for a 100 Continue it will not get would otherwise be read as the next request.
                write(context: context, head: answerHead, body: body, close: !head.isKeepAlive || Self.awaitsContinue(head))
                state = .discarding
                return
            }
        }
        // A client that sent `Expect: 100-continue` holds its body back until told to go on. A refusal
        // of the head is its final answer, and whether the body follows anyway is the client's
        // choice (RFC 9110 §10.1.1), so the connection closes after the refusal rather than guess.
        let awaitsContinue = Self.awaitsContinue(head)
        let closeOnRefusal = !head.isKeepAlive || awaitsContinue
        let client: String?
        switch identify(head) {
        case .failure(let denial):
            // A failed login ends the connection: each guess costs a new one.
            refuse(context: context, record: record, denial: denial, close: true)
            state = .discarding
            return
        case .success(let name):
            client = name
            if let name { record.client = name }
        }
        if head.method == .CONNECT {
            record.mode = .tunnel
            switch Router.tunnel(policy: policy, client: client, authority: head.uri) {
            case .deny(let denial, let upstream):
                record.upstream = upstream?.name
                refuse(context: context, record: record, denial: denial, close: true)
                state = .discarding
            case .allow(let tunnel):
                record.upstream = tunnel.upstream.name
                record.host = tunnel.host.text
                record.port = tunnel.port
                if let denial = services.rates.take(tunnel.upstream, client: client ?? anonymousRateKey, named: client != nil) {
                    refuse(context: context, record: record, denial: denial, close: true)
                    state = .discarding
                    return
                }
                tunnelClient = (client, client.flatMap { policy.clients.client(named: $0)?.tokenDigest })
                state = .tunnelPending(record, tunnel)
            }
            return
        }
        let decision: Decision<Route>
        if head.uri.hasPrefix("/") {
            record.mode = .gateway
            decision = Router.gateway(policy: policy, client: client, method: head.method.rawValue, target: head.uri)
        } else {
            record.mode = .forward
            decision = Router.forward(policy: policy, client: client, method: head.method.rawValue, absoluteURL: head.uri)
        }
        switch decision {
        case .deny(let denial, let upstream):
            record.upstream = upstream?.name
            refuse(context: context, record: record, denial: denial, close: closeOnRefusal)
            state = .discarding
        case .allow(let route):
            record.upstream = route.upstream.name
            record.url = route.url.description
            record.host = route.url.hostString
            record.port = route.url.port
            if let denial = services.rates.take(route.upstream, client: client ?? anonymousRateKey, named: client != nil) {
                refuse(context: context, record: record, denial: denial, close: closeOnRefusal)
                state = .discarding
                return
            }
            let limit = route.upstream.limits.requestBytes
            if let declared = head.headers["Content-Length"].first.flatMap(Int.init), declared > limit {
                refuse(context: context, record: record, denial: Denial(.requestTooLarge, "Content-Length \(declared) exceeds \(limit) bytes"), close: true)
                state = .discarding
                return
            }
            state = .receiving(record, route, head, context.channel.allocator.buffer(capacity: 0))
            if awaitsContinue {
                // Allowed so far: the go-ahead, an informational head that the real answer follows.
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
        }
    }

    /// Whether an HTTP/1.1 request asks for `100 Continue` before sending its body (an HTTP/1.0
    /// client cannot read a 1xx answer, so its Expect is ignored, RFC 9110 §10.1.1).
    static func awaitsContinue(_ head: HTTPRequestHead) -> Bool {
        guard head.version.major == 1, head.version.minor >= 1 else { return false }
        return head.headers["Expect"].contains { $0.trimmingSpaces().equalsIgnoringASCIICase("100-continue") }
    }

    func onBody(context: ChannelHandlerContext, chunk: ByteBuffer) {
        guard case .receiving(let record, let route, let head, var body) = state else { return }
        state = .idle
        var chunk = chunk
        let limit = route.upstream.limits.requestBytes
        guard body.readableBytes + chunk.readableBytes <= limit else {
            refuse(context: context, record: record, denial: Denial(.requestTooLarge, "request body exceeds \(limit) bytes"), close: true)
            state = .discarding
            return
        }
        body.writeBuffer(&chunk)
        // A trickled body: checked as each piece arrives (one that stops entirely meets the idle timeout).
        let elapsed = DispatchTime.now().uptimeNanoseconds &- record.started
        if elapsed > services.bodyPace.grace, Double(body.readableBytes) * 1e9 / Double(elapsed) < Double(services.bodyPace.minRate) {
            state = .discarding
            refuse(context: context, record: record, close: true, atOnce: true, denial: Denial(
                .requestTimeout, "the request body arrives slower than \(services.bodyPace.minRate) bytes/s (\(body.readableBytes) bytes in \(elapsed / 1_000_000) ms)"))
            return
        }
        state = .receiving(record, route, head, body)
    }

    func onEnd(context: ChannelHandlerContext) {
        switch state {
        case .receiving(let record, let route, let head, let body):
            state = .waiting
            call(context: context, record: record, route: route, head: head, body: body)
        case .tunnelPending(let record, let tunnel):
            openTunnel(context: context, record: record, tunnel: tunnel)
        case .discarding:
            state = .idle
        case .idle, .waiting, .streaming, .tunnelConnecting:
            break
        }
    }

    /// The paths Airlock answers itself.
    static let adminPaths: Set<String> = ["/_airlock/health", "/_airlock/metrics"]

    /// Why the caller may not read Airlock's own endpoints, when the policy's `admin.clients` says
    /// who may: a failed login is one (407), an unidentified caller where a listed client has a token
    /// is asked to authenticate (407), anyone else not listed is refused (403). Nil: go ahead.
    func adminRefusal(_ head: HTTPRequestHead, record: inout CallRecord) -> Denial? {
        let directory = policyState.policy.clients
        guard let allowed = policyState.policy.adminClients else { return nil }
        let caller: String?
        switch identify(head) {
        case .failure(let denial): return denial
        case .success(let name): caller = name
        }
        if let caller {
            record.client = caller
            if allowed.contains(caller) { return nil }
        } else if allowed.contains(where: { directory.client(named: $0)?.tokenDigest != nil }) {
            return Denial(.clientUnauthenticated, "\(head.uri) is for the clients admin.clients names; authenticate with Proxy-Authorization")
        }
        return Denial(.clientNotPermitted, "\(head.uri) is only for the clients admin.clients names")
    }

    /// `GET /_airlock/health` (200 while serving; 503 while the audit log cannot be written, when
    /// allowed answers are withheld; a stop answers 503 `shutting_down` before this) and
    /// `GET /_airlock/metrics` (Prometheus text); nil for any other path, which is then routed
    /// like any gateway path (and refused as `unknown_upstream`).
    func adminAnswer(_ head: HTTPRequestHead, allocator: ByteBufferAllocator) -> (HTTPResponseHead, ByteBuffer)? {
        let text: String, type: String
        var status = HTTPResponseStatus.ok
        switch head.uri {
        case "/_airlock/health":
            let failing = services.audit.metrics.failing
            if failing { status = .serviceUnavailable }
            text = "{\"status\":\"\(failing ? "audit_failing" : "ok")\",\"upstreams\":\(policyState.policy.upstreams.count)}\n"
            type = "application/json"
        case "/_airlock/metrics":
            text = services.audit.metrics.prometheus(inFlight: services.limiter.inUse()) + (policyState.resolver.cache?.prometheus ?? "")
            type = "text/plain; version=0.0.4; charset=utf-8"
        default:
            return nil
        }
        var body = allocator.buffer(capacity: text.utf8.count)
        body.writeString(text)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Cache-Control", value: "no-store")
        if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
        return (HTTPResponseHead(version: .http1_1, status: status, headers: headers), body)
    }

    /// Who is asking: the client that authenticated with `Proxy-Authorization`, else the one this
    /// connection's address identifies, else nobody (nil). Credentials that prove nothing are a
    /// refusal, never a fall-back to the address.
    func identify(_ head: HTTPRequestHead) -> Result<String?, Denial> {
        let directory = policyState.policy.clients
        guard directory.hasTokens else { return .success(addressClient) }
        let values = head.headers["Proxy-Authorization"]
        guard let value = values.first else { return .success(addressClient) }
        guard values.count == 1 else { return .failure(Denial(.clientUnauthenticated, "more than one Proxy-Authorization header")) }
        if let last = lastAuthorization, last.value == value { return last.result.map { $0 } }
        let result = directory.authenticate(authorization: value, address: clientAddress)
        lastAuthorization = (value, result)
        return result.map { $0 }
    }

    // MARK: - Answers

    func newRecord(method: String, target: String) -> CallRecord {
        CallRecord(
            requestID: services.nextRequestID(), started: DispatchTime.now().uptimeNanoseconds,
            wallClock: Date().timeIntervalSince1970, client: clientAddressText, clientAddress: clientAddressText,
            mode: .gateway, method: method, url: target)
    }

    /// Audits the refusal, then answers with the error (and closes if asked).
    func refuse(context: ChannelHandlerContext, record: CallRecord, denial: Denial, close: Bool) {
        refuse(context: context, record: record, close: close, atOnce: false, denial: denial)
    }

    /// As `refuse`; with `atOnce` the connection is closed right after the answer is handed to it,
    /// not once the client has taken it (a client that is being cut off may read nothing).
    func refuse(context: ChannelHandlerContext, record: CallRecord, close: Bool, atOnce: Bool, denial: Denial) {
        let event = record.event(decision: "deny", reason: denial.reason, detail: denial.detail, status: denial.reason.status)
        let (head, body) = ErrorBody.response(denial, requestID: record.requestID, close: close, allocator: context.channel.allocator)
        afterAudit(context: context, event: event, letsThrough: false) { handler, context in
            handler.write(context: context, head: head, body: body, close: close && !atOnce)
            if close && atOnce { context.close(promise: nil) }
        }
    }

    /// Records `event`, then runs `then` on this handler's event loop. No call gets its answer
    /// without its record (fail closed): if the record could not be written (a full disk), what
    /// `then` would let through is withheld, and `withheld` runs instead (by default the answer
    /// becomes 500 `internal_error` and the connection closes). A refusal (`letsThrough: false`)
    /// lets nothing through, so it is sent either way.
    func afterAudit(context: ChannelHandlerContext, event: AuditEvent, letsThrough: Bool = true,
                    withheld: ((ProxyHandler, ChannelHandlerContext) -> Void)? = nil,
                    then: @escaping (ProxyHandler, ChannelHandlerContext) -> Void) {
        let requestID = event.requestID
        let bound = NIOLoopBound((self, context, then, withheld), eventLoop: context.eventLoop)
        let inbox = self.inbox ?? services.inbox(for: context.eventLoop)
        services.audit.record(event) { written in
            inbox.submit {
                let (handler, context, then, withheld) = bound.value
                if written || !letsThrough {
                    then(handler, context)
                } else if let withheld {
                    withheld(handler, context)
                } else {
                    handler.withhold(context: context, requestID: requestID)
                }
            }
        }
    }

    /// An allowed answer whose audit record could not be written: 500 `internal_error` instead, and
    /// the connection closed; a relay whose head is already out is cut off before its end.
    func withhold(context: ChannelHandlerContext, requestID: String) {
        endPending = false
        if case .streaming = state {
            state = .idle
            context.close(promise: nil)
            return
        }
        state = .idle
        let denial = Denial(.internalError, "the audit log could not be written, so the answer is withheld (no call is answered without its record)")
        let (head, body) = ErrorBody.response(denial, requestID: requestID, close: true, allocator: context.channel.allocator)
        write(context: context, head: head, body: body, close: true)
    }

    func write(context: ChannelHandlerContext, head: HTTPResponseHead, body: ByteBuffer, close: Bool) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if close {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            done.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }
}
