// The floor under any proxy built like Airlock: the same SwiftNIO server pipeline (idle timer,
// HTTP/1.1 codec, pipelining, keep-alive, two event loops) answering every request with a fixed
// 1 KiB JSON document, without an upstream call, a policy or an audit log. bench/proxy-bench.sh
// measures its CPU per request beside Airlock's, so the report can say how much of Airlock's cost
// is the server framework itself.
//
// Usage: airlock-canned-bench PORT   (listens on 127.0.0.1 only; SIGTERM or SIGINT stops it)
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import NIOPosix

final class CannedAnswer: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let body: [UInt8] = {
        let head = Array(#"{"id":42,"name":"bench item","tags":["egress","proxy","benchmark"],"padding":""#.utf8)
        let tail = Array(#""}"#.utf8)
        return head + [UInt8](repeating: 0x78, count: 1024 - head.count - tail.count) + tail
    }()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(Self.body.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: Self.body.count)
        buffer.writeBytes(Self.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

guard CommandLine.arguments.count == 2, let port = Int(CommandLine.arguments[1]) else {
    print("usage: airlock-canned-bench PORT")
    exit(2)
}
let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
let server = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 512)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelOption(.maxMessagesPerRead, value: 16)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(IdleStateHandler(allTimeout: .seconds(120)))
            try pipeline.addHandler(HTTPResponseEncoder())
            try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)))
            try pipeline.addHandler(HTTPServerPipelineHandler())
            try pipeline.addHandler(CannedAnswer())
        }
    }
    .bind(host: "127.0.0.1", port: port).wait()
print("airlock-canned-bench: listening on http://127.0.0.1:\(port)")
try server.closeFuture.wait()
