import AirlockAudit
import AirlockCore
import AirlockPolicy
import NIOCore

/// Stands in a `tunnel: allow` tunnel's client pipeline, in front of the glue, and lets no byte
/// reach the upstream before the client's TLS ClientHello has shown the server it asks for: the
/// host of its CONNECT (none for an address). Another name, no name, an Encrypted Client Hello,
/// a stream that is not TLS or no ClientHello within the deadline closes the tunnel, audited
/// `deny` (the tunnel's first record said it opened). Under `mode: report` the refusal is
/// audited `report` and the bytes go on.
///
/// A server that answers with a HelloRetryRequest gets a second ClientHello, which is checked the
/// same way, so the name cannot be changed after the first one passed. Until the server's first
/// answer, later client bytes wait here (TLS clients send nothing more before it, but 0-RTT data).
final class TLSNameGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum Stage {
        /// Reading a ClientHello (the second one after a HelloRetryRequest).
        case hello(afterRetry: Bool)
        /// The first ClientHello passed; waiting for the server's answer to it.
        case answer
        /// Decided: passing bytes on, or closing.
        case open, closing
    }

    /// Client bytes held across reads, or while the server's answer is awaited.
    static let maxHeld = 64 << 10

    private var stage = Stage.hello(afterRetry: false)
    /// The server spoke before the first ClientHello passed (so its answer is no HelloRetryRequest).
    private var answered = false
    private var held: [UInt8] = []
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private let host: TargetURL.Host
    private let record: CallRecord
    private let report: Bool
    private let audit: AuditLog
    private let deadline: TimeAmount

    init(host: TargetURL.Host, record: CallRecord, report: Bool, audit: AuditLog, deadline: TimeAmount) {
        self.host = host
        self.record = record
        self.report = report
        self.audit = audit
        self.deadline = deadline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        armTimer()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        switch stage {
        case .open:
            context.fireChannelRead(data)
            return
        case .closing:
            return
        case .hello, .answer:
            guard held.count + buffer.readableBytes <= Self.maxHeld else {
                refuse(Denial(.malformedRequest, "the tunnel's client sent more than \(Self.maxHeld >> 10) KiB before its TLS handshake was answered"), alert: Self.decodeError)
                return
            }
            held += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        if case .hello(let afterRetry) = stage { inspect(afterRetry: afterRetry) }
    }

    /// The server's stream has shown whether its first answer is a HelloRetryRequest (on the same
    /// event loop, before that answer is passed to the client).
    func serverAnswered(retry: Bool) {
        if case .hello(afterRetry: false) = stage { answered = true }
        guard case .answer = stage else { return }
        if retry {
            stage = .hello(afterRetry: true)
            armTimer()
            inspect(afterRetry: true)
        } else {
            open()
        }
    }

    private func inspect(afterRetry: Bool) {
        switch TLSHello.clientHello(held, afterRetry: afterRetry) {
        case .needMore:
            return
        case .notTLS:
            refuse(Denial(.tunnelNotAllowed, "the tunnel's client does not speak TLS (tunnel: allow carries TLS only; tunnel: opaque carries anything)"), alert: nil)
        case .malformed(let what):
            refuse(Denial(.malformedRequest, "the tunnel's TLS ClientHello is malformed: \(what)"), alert: Self.decodeError)
        case .hello(let name, let encrypted, let end):
            if let denial = check(serverName: name, encrypted: encrypted) {
                refuse(denial, alert: Self.unrecognizedName)
                return
            }
            timer?.cancel()
            if afterRetry || answered {
                open()
            } else {
                pass(Array(held[..<end]))
                held.removeFirst(end)
                stage = .answer
            }
        }
    }

    /// Why a ClientHello naming `serverName` may not go through this tunnel (nil: it may).
    private func check(serverName: String?, encrypted: Bool) -> Denial? {
        if encrypted {
            return Denial(.sniMismatch, "the tunnel's TLS ClientHello hides its server name (Encrypted Client Hello); the tunnel is for \(host)")
        }
        switch (host, serverName) {
        case (.name(let expected), let name?) where name.lowercased() == expected:
            return nil
        case (.name(let expected), let name?):
            return Denial(.sniMismatch, "the tunnel's TLS ClientHello names '\(name)', not the tunnel's host '\(expected)'")
        case (.name(let expected), nil):
            return Denial(.sniMismatch, "the tunnel's TLS ClientHello names no server (no SNI); the tunnel is for '\(expected)'")
        case (.address, nil):
            return nil
        case (.address(let address), let name?):
            return Denial(.sniMismatch, "the tunnel's TLS ClientHello names '\(name)', but the tunnel is for the address \(address)")
        }
    }

    private func refuse(_ denial: Denial, alert: UInt8?) {
        guard let context else { return }
        timer?.cancel()
        if report {
            audit.record(record.event(decision: "report", reason: denial.reason, detail: "\(denial.detail); tunnel kept (report mode)", status: 200))
            open()
            return
        }
        stage = .closing
        held = []
        if let alert {
            // A fatal TLS alert, so the client's TLS stack says what went wrong rather than "connection reset".
            var bytes = context.channel.allocator.buffer(capacity: 7)
            bytes.writeBytes([21, 3, 3, 0, 2, 2, alert])
            context.writeAndFlush(NIOAny(bytes), promise: nil)
        }
        let channel = context.channel
        audit.record(record.event(decision: "deny", reason: denial.reason,
                                  detail: "\(denial.detail); tunnel closed before any of its bytes reached the upstream",
                                  status: denial.reason.status)) { _ in channel.close(promise: nil) }
    }

    /// Passes every held byte on and leaves the pipeline.
    private func open() {
        guard let context else { return }
        stage = .open
        timer?.cancel()
        let rest = held
        held = []
        pass(rest)
        context.pipeline.syncOperations.removeHandler(self, promise: nil)
    }

    private func pass(_ bytes: [UInt8]) {
        guard let context, !bytes.isEmpty else { return }
        context.fireChannelRead(NIOAny(context.channel.allocator.buffer(bytes: bytes)))
        context.fireChannelReadComplete()
    }

    private func armTimer() {
        guard let context else { return }
        timer?.cancel()
        let loop = context.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        let ms = deadline.nanoseconds / 1_000_000
        let within = ms % 1000 == 0 ? "\(ms / 1000) s" : "\(ms) ms"
        timer = loop.scheduleTask(in: deadline) {
            let gate = bound.value
            guard case .hello = gate.stage else { return }
            gate.refuse(Denial(.requestTimeout, "the tunnel's client sent no complete TLS ClientHello within \(within)"), alert: nil)
        }
    }

    /// TLS alert descriptions (RFC 8446 §6).
    static let unrecognizedName: UInt8 = 112, decodeError: UInt8 = 50
}

/// Stands in front of the glue on a checked tunnel's upstream side until the server's first
/// handshake answer shows whether it is a HelloRetryRequest, and tells the gate so before the
/// answer reaches the client. Passes every byte on as it comes.
final class TLSAnswerWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let gate: TLSNameGate
    private var seen: [UInt8] = []

    init(gate: TLSNameGate) { self.gate = gate }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        seen += buffer.readableBytesView.prefix(64 - seen.count)
        if let retry = TLSHello.isRetryRequest(seen) {
            gate.serverAnswered(retry: retry)
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
        } else {
            context.fireChannelRead(data)
        }
    }
}
