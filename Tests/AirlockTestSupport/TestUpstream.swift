import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP server on 127.0.0.1 standing in for a third-party API (or for an internal
/// service that must never be reached). It records every request it receives.
public final class TestUpstream: Sendable {
    public struct Request: Sendable {
        public let method: String
        public let uri: String
        public let headers: [(String, String)]
        public let body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    public struct Response: Sendable {
        public var status: Int = 200
        public var headers: [(String, String)] = [("Content-Type", "application/json")]
        public var body: [UInt8] = Array("{\"ok\":true}".utf8)
        public var delayMs: Int = 0
        /// When set, the body is sent chunked (no Content-Length), each piece after its delay.
        public var chunks: [Chunk]?
        /// Trailer fields sent after a chunked body.
        public var trailers: [(String, String)] = []

        /// One piece of a chunked body.
        public struct Chunk: Sendable {
            public var delayMs: Int
            public var bytes: [UInt8]
            public init(delayMs: Int, bytes: [UInt8]) {
                self.delayMs = delayMs
                self.bytes = bytes
            }
        }

        public init(status: Int = 200, headers: [(String, String)] = [("Content-Type", "application/json")], body: [UInt8] = Array("{\"ok\":true}".utf8), delayMs: Int = 0, chunks: [Chunk]? = nil) {
            self.chunks = chunks
            self.status = status
            self.headers = headers
            self.body = body
            self.delayMs = delayMs
        }

        public static func json(_ text: String, status: Int = 200) -> Response {
            Response(status: status, body: Array(text.utf8))
        }

        public static func redirect(_ location: String, status: Int = 302) -> Response {
            Response(status: status, headers: [("Location", location)], body: [])
        }
    }

    public typealias Route = @Sendable (Request) -> Response

    public let port: Int
    private let channel: Channel
    private let group: MultiThreadedEventLoopGroup
    private let log = NIOLockedValueBox<[Request]>([])
    private let accepted = NIOLockedValueBox<Int>(0)

    private let ended = NIOLockedValueBox<Int>(0)

    /// How many TCP connections the server accepted.
    public var connections: Int { accepted.withLockedValue { $0 } }

    /// How many of them have closed (from either side).
    public var closedConnections: Int { ended.withLockedValue { $0 } }

    public var requests: [Request] { log.withLockedValue { $0 } }

    public init(route: @escaping Route = { _ in Response() }) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let log = self.log
        let accepted = self.accepted, ended = self.ended
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                accepted.withLockedValue { $0 += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler(route: route, log: log, ended: ended))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        self.group = group
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    public func stop() async {
        try? await channel.close().get()
        try? await group.shutdownGracefully()
    }
}

private final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let route: TestUpstream.Route
    let log: NIOLockedValueBox<[TestUpstream.Request]>
    let ended: NIOLockedValueBox<Int>
    var head: HTTPRequestHead?
    var body: [UInt8] = []

    init(route: @escaping TestUpstream.Route, log: NIOLockedValueBox<[TestUpstream.Request]>, ended: NIOLockedValueBox<Int>) {
        self.route = route
        self.log = log
        self.ended = ended
    }

    func channelInactive(context: ChannelHandlerContext) {
        ended.withLockedValue { $0 += 1 }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
        case .body(let b):
            body += Array(b.readableBytesView)
        case .end:
            guard let head else { return }
            let request = TestUpstream.Request(method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: body)
            log.withLockedValue { $0.append(request) }
            let response = route(request)
            var headers = HTTPHeaders(response.headers)
            if let chunks = response.chunks {
                sendChunked(context: context, status: response.status, headers: headers, chunks: chunks, trailers: response.trailers)
                return
            }
            headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
            let responseHead = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
            var buffer = context.channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            let body = buffer
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let send: @Sendable () -> Void = {
                let (handler, context) = bound.value
                context.write(handler.wrapOutboundOut(.head(responseHead)), promise: nil)
                context.write(handler.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
                context.writeAndFlush(handler.wrapOutboundOut(.end(nil)), promise: nil)
            }
            if response.delayMs > 0 {
                context.eventLoop.scheduleTask(in: .milliseconds(Int64(response.delayMs))) { send() }
            } else {
                send()
            }
        }
    }

    private func sendChunked(context: ChannelHandlerContext, status: Int, headers: HTTPHeaders, chunks: [TestUpstream.Response.Chunk],
                             trailers: [(String, String)] = []) {
        var headers = headers
        headers.remove(name: "Content-Length")
        headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        var elapsed: Int64 = 0
        for chunk in chunks {
            elapsed += Int64(chunk.delayMs)
            let bytes = chunk.bytes
            context.eventLoop.scheduleTask(in: .milliseconds(elapsed)) {
                let (handler, context) = bound.value
                var buffer = context.channel.allocator.buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                context.writeAndFlush(handler.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            }
        }
        context.eventLoop.scheduleTask(in: .milliseconds(elapsed + 1)) {
            let (handler, context) = bound.value
            context.writeAndFlush(handler.wrapOutboundOut(.end(trailers.isEmpty ? nil : HTTPHeaders(trailers))), promise: nil)
        }
    }
}
