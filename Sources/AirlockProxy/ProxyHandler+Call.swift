import AirlockAudit
import AirlockCore
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
        services.begin()
        let inbox = self.inbox ?? services.inbox(for: context.eventLoop)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        services.exchange.run(route: route, headers: headers, body: bytes) { result in
            inbox.submit {
                let (handler, context) = bound.value
                handler.answer(context: context, record: finalRecord, route: route, keepAlive: keepAlive, result: result)
            }
        }
    }

    func answer(context: ChannelHandlerContext, record: CallRecord, route: Route, keepAlive: Bool, result: Result<ExchangeResult, UpstreamFailure>) {
        var record = record
        defer { services.end() }
        let outcome: ExchangeResult
        switch result {
        case .failure(let failure):
            record.address = failure.address
            refuseAfterCall(context: context, record: record, denial: failure.denial, close: !keepAlive)
            return
        case .success(let value):
            outcome = value
        }
        record.address = outcome.response.address
        record.upstream = outcome.route.upstream.name
        record.url = outcome.route.url.description
        record.host = outcome.route.url.hostString
        record.port = outcome.route.url.port
        let wouldDeny = route.wouldDeny ?? outcome.wouldDeny
        var detail = wouldDeny?.detail
        if outcome.redirects > 0 {
            detail = (detail.map { $0 + "; " } ?? "") + "followed \(outcome.redirects) redirect(s) from \(Redaction.url(route.url.description))"
        }
        let response = outcome.response
        let event = record.event(
            decision: wouldDeny == nil ? "allow" : "report", reason: wouldDeny?.reason, detail: detail,
            status: response.status, upstreamStatus: response.status, bytesIn: response.body.count)

        var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
        if route.method != "HEAD" || !headers.contains(name: "Content-Length") {
            headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        }
        headers.replaceOrAdd(name: "Airlock-Request-Id", value: record.requestID)
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        var buffer = context.channel.allocator.buffer(capacity: response.body.count)
        buffer.writeBytes(response.body)
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
