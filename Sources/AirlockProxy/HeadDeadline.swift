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
        /// Inbound: a head was not complete in time.
        case expired(TimeAmount)
    }

    private let timeout: TimeAmount
    private var awaitingHead = true
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if awaitingHead, timer == nil {
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let timeout = self.timeout
            timer = context.eventLoop.scheduleTask(in: timeout) {
                let (handler, context) = bound.value
                handler.timer = nil
                guard handler.awaitingHead else { return }
                handler.awaitingHead = false   // one expiry per connection: the proxy handler closes it
                context.fireUserInboundEventTriggered(Event.expired(timeout))
            }
        }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let event = event as? Event else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        switch event {
        case .headParsed:
            awaitingHead = false
            timer?.cancel()
            timer = nil
        case .requestEnded:
            awaitingHead = true
        case .expired:
            break
        }
        promise?.succeed(())
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }
}
