import AirlockAudit
import AirlockCore
import AirlockInspection
import AirlockPolicy
import AirlockUpstream
import NIOCore
import NIOHTTP1

extension ProxyHandler {
    /// Sends an allowed request upstream and answers with what came back.
    func call(context: ChannelHandlerContext, record: CallRecord, route: Route, head: HTTPRequestHead, body: ByteBuffer) {
        var record = record
        let headers = HeaderFilter.request(head.headers.map { (name: $0.name, value: $0.value) })
        let bytes = Array(body.readableBytesView)
        record.bytesOut = bytes.count
        let keepAlive = head.isKeepAlive
        let finalRecord = record
        guard services.begin(route.upstream) else {
            refuseAfterCall(context: context, record: record, denial: services.limiter.denial(route.upstream), close: !keepAlive)
            return
        }
        let inbox = self.inbox ?? services.inbox(for: context.eventLoop)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        // Responses no rule inspects are relayed as they arrive (Exchange and UpstreamClient decide per hop);
        // the relay is chunked, which HTTP/1.0 clients cannot read, so they get buffered answers.
        let relays = route.method != "HEAD" && head.version.major == 1 && head.version.minor >= 1
        // A relay moves at the client's pace: the upstream is not read while the client is a window behind.
        let window = relays ? FlowWindow() : nil
        relayWindow = window
        uncredited = 0
        let cancellation = Cancellation()
        callCancellation = cancellation
        let stream = !relays ? nil : UpstreamStream(
            head: { status, fields, _ in
                inbox.submit {
                    let (handler, context) = bound.value
                    handler.streamHead(context: context, requestID: finalRecord.requestID, keepAlive: keepAlive, status: status, fields: fields)
                }
            },
            body: { chunk in
                inbox.submit {
                    let (handler, context) = bound.value
                    handler.streamBody(context: context, chunk: chunk)
                }
            },
            window: window)
        policyState.exchange.run(route: route, headers: headers, body: bytes, stream: stream, anonymousKey: anonymousRateKey,
                                 cancellation: cancellation) { result in
            inbox.submit {
                let (handler, context) = bound.value
                handler.answer(context: context, record: finalRecord, route: route, keepAlive: keepAlive, result: result)
            }
        }
    }

    func answer(context: ChannelHandlerContext, record: CallRecord, route: Route, keepAlive: Bool, result: Result<ExchangeResult, UpstreamFailure>) {
        var record = record
        let window = relayWindow
        relayWindow = nil      // the transfer is over: nothing more will arrive to be paced
        uncredited = 0
        callCancellation = nil
        let outcome: ExchangeResult
        switch result {
        case .failure(let failure):
            defer { services.end(route.upstream) }
            record.address = failure.address
            if failure.clientGone {
                // Nobody to answer: the record says what the policy decided and that the client left
                // first; 499 (nginx's "client closed request") stands for the answer nobody got.
                let (wouldDeny, found) = Self.requestFindings(route: route, reported: failure.wouldDeny, chain: failure.chain)
                let details = found + [failure.denial.detail]
                let event = record.event(
                    decision: wouldDeny == nil ? "allow" : "report", reason: wouldDeny?.reason,
                    detail: details.joined(separator: "; "), status: Self.clientClosedStatus)
                afterAudit(context: context, event: event, letsThrough: false) { handler, context in
                    handler.state = .idle
                    context.close(promise: nil)
                }
                return
            }
            if case .streaming(let status, let bytes) = state {
                // The client has the head and part of the body: the only honest signal left is to
                // cut the connection before the end of the message, after recording why.
                // A relay paused for a client that reads too slowly runs into limits.timeout too:
                // the record says so, so that the upstream is not blamed for the client's pace.
                let waited = window?.isWaiting == true ? " while the relay waited for the client to read (too slow for limits.timeout)" : ""
                let event = record.event(
                    decision: "deny", reason: failure.denial.reason,
                    detail: failure.denial.detail + waited + "; \(bytes) body bytes were already relayed, so the connection was closed",
                    status: status, upstreamStatus: status, bytesIn: bytes)
                afterAudit(context: context, event: event, letsThrough: false) { handler, context in
                    handler.state = .idle
                    context.close(promise: nil)
                }
                return
            }
            refuseAfterCall(context: context, record: record, denial: failure.denial, close: !keepAlive)
            return
        case .success(let value):
            outcome = value
        }
        record.address = outcome.response.address
        if outcome.redirects > 0 {
            // The record names where the call ended; without a redirect that is the route's URL, already recorded.
            record.upstream = outcome.route.upstream.name
            record.url = outcome.route.url.description
            record.host = outcome.route.url.hostString
            record.port = outcome.route.url.port
        }
        if outcome.response.streamed {
            finishStream(context: context, record: record, route: route, keepAlive: keepAlive, outcome: outcome)
            return
        }
        guard outcome.response.inspectable else {
            deliver(context: context, record: record, route: route, keepAlive: keepAlive, outcome: outcome, verdict: nil)
            return
        }
        // The response firewall: small bodies inline (microseconds), large ones on the inspection pool.
        let input = InspectedResponse(
            upstream: outcome.route.upstream, method: outcome.route.method, subpath: outcome.route.subpath,
            status: outcome.response.status, headers: outcome.response.headers, body: outcome.response.body)
        let firewall = policyState.firewall
        if input.body.count <= services.inlineInspectionBytes, firewall.checksInline(upstream: input.upstream.name) {
            deliver(context: context, record: record, route: route, keepAlive: keepAlive, outcome: outcome, verdict: firewall.inspect(input))
            return
        }
        let finalRecord = record
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        services.inspectionPool.submit { _ in
            let verdict = firewall.inspect(input)
            loop.execute {
                let (handler, context) = bound.value
                handler.deliver(context: context, record: finalRecord, route: route, keepAlive: keepAlive, outcome: outcome, verdict: verdict)
            }
        }
    }

    /// The audit status of a call whose client left before any answer (nginx's convention).
    static let clientClosedStatus = 499

    /// What the request side contributes to the audit event: the refusal report mode let through
    /// (the route's, else `reported`, a redirect hop's) and the details worth recording, the redirect
    /// chain included (`chain`: every URL asked, in order; one URL is no redirect).
    static func requestFindings(route: Route, reported: Denial?, chain: [String]) -> (wouldDeny: Denial?, details: [String]) {
        let wouldDeny = route.wouldDeny ?? reported
        var details: [String] = wouldDeny.map { [$0.detail] } ?? []
        if chain.count > 1 {
            details.append("followed \(chain.count - 1) redirect(s): " + chain.map(Redaction.url).joined(separator: " → "))
        }
        return (wouldDeny, details)
    }

    /// The same for a call that got an answer.
    static func requestFindings(route: Route, outcome: ExchangeResult) -> (wouldDeny: Denial?, details: [String]) {
        requestFindings(route: route, reported: outcome.wouldDeny, chain: outcome.via + [outcome.route.url.description])
    }

    /// Sends the head of a relayed response (on the loop, before any of its body).
    func streamHead(context: ChannelHandlerContext, requestID: String, keepAlive: Bool, status: Int, fields: [(name: String, value: String)]) {
        guard case .waiting = state else { return }
        state = .streaming(status: status, bytes: 0)
        var headers = HTTPHeaders(fields.map { ($0.name, $0.value) })
        headers.replaceOrAdd(name: "Airlock-Request-Id", value: requestID)
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        flushSoon(context: context)
    }

    /// Relays body bytes of a streamed response. The bytes count against the relay's window
    /// until the channel takes them while writable: a client that does not read leaves the
    /// channel unwritable, so the window fills and the upstream transfer pauses.
    func streamBody(context: ChannelHandlerContext, chunk: [UInt8]) {
        guard case .streaming(let status, let bytes) = state else {
            relayWindow?.consumed(chunk.count)
            return
        }
        state = .streaming(status: status, bytes: bytes + chunk.count)
        var buffer = context.channel.allocator.buffer(capacity: chunk.count)
        buffer.writeBytes(chunk)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        if context.channel.isWritable {
            relayWindow?.consumed(chunk.count)
        } else {
            uncredited += chunk.count
        }
        flushSoon(context: context)
    }

    /// The client caught up (the channel's buffer fell under its low watermark): what it was
    /// behind by is credited back to the relay's window, which may resume the transfer.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, uncredited > 0 {
            let caughtUp = uncredited
            uncredited = 0
            relayWindow?.consumed(caughtUp)
        }
        context.fireChannelWritabilityChanged()
    }

    /// One flush after the pieces that arrived together (head, chunks, often the end) are written:
    /// a small response then leaves in one send instead of one per piece.
    func flushSoon(context: ChannelHandlerContext) {
        guard !flushPending else { return }
        flushPending = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = bound.value
            handler.flushPending = false
            if !handler.endPending { context.flush() }
        }
    }

    /// A relayed response is complete: audit it, then end the message.
    func finishStream(context: ChannelHandlerContext, record: CallRecord, route: Route, keepAlive: Bool, outcome: ExchangeResult) {
        defer { services.end(route.upstream) }
        let (wouldDeny, found) = Self.requestFindings(route: route, outcome: outcome)
        var details = found
        if outcome.response.clientGone {
            details.append("the client closed the connection during the relay, so the transfer was stopped after \(outcome.response.bodyBytes) body bytes")
        }
        let event = record.event(
            decision: wouldDeny == nil ? "allow" : "report", reason: wouldDeny?.reason,
            detail: details.isEmpty ? nil : details.joined(separator: "; "),
            status: outcome.response.status, upstreamStatus: outcome.response.status, bytesIn: outcome.response.bodyBytes)
        endPending = true
        afterAudit(context: context, event: event) { handler, context in
            handler.endPending = false
            guard case .streaming = handler.state else {
                // The head never went out (the connection was refused or reset meanwhile): an end
                // without a head would corrupt the framing, so the connection is closed instead.
                handler.state = .idle
                context.close(promise: nil)
                return
            }
            handler.state = .idle
            let done = context.writeAndFlush(handler.wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                done.whenComplete { _ in bound.value.close(promise: nil) }
            }
        }
    }

    /// Audits, then answers with the response (as the firewall left it) or with the refusal.
    func deliver(context: ChannelHandlerContext, record: CallRecord, route: Route, keepAlive: Bool, outcome: ExchangeResult, verdict: ResponseVerdict?) {
        defer { services.end(route.upstream) }
        let response = outcome.response
        let (wouldDeny, found) = Self.requestFindings(route: route, outcome: outcome)
        var reason = wouldDeny?.reason
        var details = found
        var decision = wouldDeny == nil ? "allow" : "report"
        var body = response.body
        var headerFields = response.headers
        if let verdict {
            switch verdict.decision {
            case .deny:
                let denial = verdict.denial ?? Denial(.internalError, "response refused")
                let event = record.event(
                    decision: "deny", reason: denial.reason, detail: (details + [denial.detail]).joined(separator: "; "),
                    rule: verdict.rule, location: verdict.location, keyword: verdict.keyword, status: denial.reason.status,
                    upstreamStatus: response.status, bytesIn: response.body.count)
                let (head, errorBody) = ErrorBody.response(denial, requestID: record.requestID, close: !keepAlive, allocator: context.channel.allocator)
                afterAudit(context: context, event: event, letsThrough: false) { handler, context in
                    handler.state = .idle
                    handler.write(context: context, head: head, body: errorBody, close: !keepAlive)
                }
                return
            case .report:
                decision = "report"
                if let denial = verdict.denial {
                    if reason == nil { reason = denial.reason }
                    details.append(denial.detail)
                }
            case .pass:
                if let note = verdict.note { details.append(note) }
                if let replaced = verdict.body {
                    body = replaced
                    headerFields = HeaderFilter.bodyReplaced(headerFields)
                }
            }
        }
        let event = record.event(
            decision: decision, reason: reason, detail: details.isEmpty ? nil : details.joined(separator: "; "),
            rule: verdict?.rule, location: verdict?.location, keyword: verdict?.keyword,
            status: response.status, upstreamStatus: response.status, bytesIn: response.body.count)

        var headers = HTTPHeaders(headerFields.map { ($0.name, $0.value) })
        if route.method != "HEAD" || !headers.contains(name: "Content-Length") {
            headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
        }
        headers.replaceOrAdd(name: "Airlock-Request-Id", value: record.requestID)
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        var buffer = context.channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        afterAudit(context: context, event: event) { handler, context in
            handler.state = .idle
            handler.write(context: context, head: head, body: buffer, close: !keepAlive)
        }
    }

    private func refuseAfterCall(context: ChannelHandlerContext, record: CallRecord, denial: Denial, close: Bool) {
        state = .idle
        refuse(context: context, record: record, denial: denial, close: close)
    }
}
