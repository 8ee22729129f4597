import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Sends raw bytes to a port on 127.0.0.1 and collects what comes back until the server
/// closes or `timeoutMs` passes: for request shapes no well-behaved client would send.
public enum RawClient {
    public static func exchange(port: Int, bytes: String, timeoutMs: Int64 = 3000) async throws -> String {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let received = NIOLockedValueBox<[UInt8]>([])
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(received: received))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        var buffer = channel.allocator.buffer(capacity: bytes.utf8.count)
        buffer.writeString(bytes)
        try await channel.writeAndFlush(buffer).get()
        let deadline = ContinuousClock.now + .milliseconds(timeoutMs)
        while channel.isActive && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try? await channel.close().get()
        try? await group.shutdownGracefully()
        return String(decoding: received.withLockedValue { $0 }, as: UTF8.self)
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let received: NIOLockedValueBox<[UInt8]>
        init(received: NIOLockedValueBox<[UInt8]>) { self.received = received }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(unwrapInboundIn(data).readableBytesView)
            received.withLockedValue { $0 += bytes }
        }
    }
}

/// A port on 127.0.0.1 that nothing listens on (bound, read, closed).
public func freePort() throws -> Int {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    defer { try? group.syncShutdownGracefully() }
    let channel = try ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
    let port = channel.localAddress?.port ?? 0
    try channel.close().wait()
    return port
}
