import NIOCore

/// Slowloris: a request head must be complete within a deadline of its first byte, however
/// slowly its bytes trickle in (the idle timeout alone is reset by every byte).
///
/// Sits before the HTTP decoder, where it sees the bytes; the `RequestSequencer`, right after
/// the decoder, tells it (outbound user events) when a head was parsed and when the request's
/// end was, and `ProxyHandler` answers an expiry (an inbound user event) with 408.
final class HeadDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    /// The events between this handler, the sequencer and the proxy handler.
    enum Event {
        /// Outbound: a request head was parsed (the deadline is met).
        case headParsed
        /// Outbound: the request's end was parsed; the next bytes start the next head's deadline.
        case requestEnded
        /// Inbound: a head was not complete in time. Nothing more is read unless the proxy
        /// handler answers `extend` (it closes the connection otherwise).
        case expired(TimeAmount)
        /// Outbound: not now (a response is still in flight, and the slow head may be a pipelined
        /// one whose rest waits unread): a new deadline from now.
        case extend
    }

    private let timeout: TimeAmount
    private var awaitingHead = true
    /// When the head now awaited must be complete (set by its first bytes).
    private var deadline: NIODeadline?
    /// The one pending check of the deadline. Heads that arrive in time only clear `deadline`, so a
    /// busy keep-alive connection costs a clock read per request and a timer per `timeout`, not a
    /// timer scheduled and cancelled per request.
    private var check: Scheduled<Void>?
    /// Expired and not extended: the connection is being closed, no further request may start.
    private var expired = false

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !expired else { return }
        // The CR LF some clients send after a body starts no head (the parser skips it).
        if awaitingHead, deadline == nil, unwrapInboundIn(data).readableBytesView.contains(where: { $0 != 13 && $0 != 10 }) {
            arm(context: context)
        }
        context.fireChannelRead(data)
    }

    private func arm(context: ChannelHandlerContext) {
        let due = NIODeadline.now() + timeout
        deadline = due
        if check == nil { scheduleCheck(context: context, at: due) }
    }

    private func scheduleCheck(context: ChannelHandlerContext, at due: NIODeadline) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        check = context.eventLoop.scheduleTask(deadline: due) {
            let (handler, context) = bound.value
            handler.check = nil
            guard handler.awaitingHead, let deadline = handler.deadline else { return }
            guard NIODeadline.now() >= deadline else {
                handler.scheduleCheck(context: context, at: deadline)   // a later head's deadline
                return
            }
            handler.deadline = nil
            handler.expired = true
            context.fireUserInboundEventTriggered(Event.expired(handler.timeout))
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let event = event as? Event else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        switch event {
        case .headParsed:
            awaitingHead = false
            deadline = nil
        case .requestEnded:
            awaitingHead = true
        case .extend:
            expired = false
            if awaitingHead { arm(context: context) }
        case .expired:
            break
        }
        promise?.succeed(())
    }

    func channelInactive(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
    }
}
