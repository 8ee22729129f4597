import NIOCore
import NIOHTTP1

/// Keeps the HTTP/1.1 requests of one connection in order (RFC 9112 §9.3.2: pipelined requests
/// are answered in the order they came): a request that arrives while the previous one's response
/// is still being produced waits here, with everything after it, until that response has ended.
///
/// NIO's `HTTPServerPipelineHandler` does the same but stops reading from the socket during every
/// call, which costs two changes of the socket's epoll interest per request (`epoll_ctl`), even for
/// the clients that never pipeline (nearly all). This one stops reading only while it actually
/// holds a pipelined request; what it holds is bounded by what one wake-up of the event loop reads
/// from the socket (`maxMessagesPerRead` reads), as with NIO's handler.
final class RequestSequencer: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Held {
        case part(NIOAny)
        case error(Error)
    }

    /// A request went on to the handler and its response has not ended yet.
    private var inFlight = false
    /// That request's `.end` went on too (so an HTTP parse error now belongs to a later request).
    private var requestComplete = false
    /// Pipelined request parts (and parse errors) waiting for the response in flight, in order.
    private var held = CircularBuffer<Held>()
    /// A read was withheld while requests were held.
    private var readPending = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The head deadline is met when the decoder has the head, held here or not.
        switch unwrapInboundIn(data) {
        case .head: context.triggerUserOutboundEvent(HeadDeadlineHandler.Event.headParsed, promise: nil)
        case .end: context.triggerUserOutboundEvent(HeadDeadlineHandler.Event.requestEnded, promise: nil)
        case .body: break
        }
        guard held.isEmpty, admits(unwrapInboundIn(data)) else {
            held.append(.part(data))
            return
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A parse error after the request in flight was complete is a later request's: it waits its turn.
        if error is HTTPParserError, !held.isEmpty || (inFlight && requestComplete) {
            held.append(.error(error))
            return
        }
        context.fireErrorCaught(error)
    }

    func read(context: ChannelHandlerContext) {
        if held.isEmpty {
            context.read()
        } else {
            readPending = true
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        context.write(data, promise: promise)
        guard case .end = part else { return }
        inFlight = false
        deliverHeld(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        held.removeAll()   // nobody is left to answer them
        context.fireChannelInactive()
    }

    /// Removed (a CONNECT tunnel takes over the connection): whatever is held goes on, in order.
    func handlerRemoved(context: ChannelHandlerContext) {
        let rest = held
        held.removeAll()
        for event in rest { fire(event, context: context) }
        if readPending {
            readPending = false
            context.read()
        }
    }

    /// Whether `part` may go on now (a request head waits while another request is in flight);
    /// when it may, the state follows it.
    private func admits(_ part: HTTPServerRequestPart) -> Bool {
        switch part {
        case .head:
            if inFlight { return false }
            inFlight = true
            requestComplete = false
        case .body:
            break
        case .end:
            requestComplete = true
        }
        return true
    }

    private func fire(_ event: Held, context: ChannelHandlerContext) {
        switch event {
        case .part(let data): context.fireChannelRead(data)
        case .error(let error): context.fireErrorCaught(error)
        }
    }

    /// The response in flight has ended: the next held request goes on, up to its response.
    private func deliverHeld(context: ChannelHandlerContext) {
        var delivered = false
        while let next = held.first {
            if case .part(let data) = next {
                guard admits(unwrapInboundIn(data)) else { break }
                delivered = true
            }
            held.removeFirst()
            fire(next, context: context)
        }
        if delivered { context.fireChannelReadComplete() }
        if held.isEmpty, readPending {
            readPending = false
            context.read()
        }
    }
}
