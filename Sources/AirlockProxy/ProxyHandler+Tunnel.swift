import AirlockAudit
import AirlockCore
import AirlockPolicy
import AirlockUpstream
import NIOCore
import NIOHTTP1
import NIOPosix

extension ProxyHandler {
    /// Opens an allowed CONNECT tunnel: the destination is resolved and address-checked
    /// exactly like a proxied call, and the TCP connection goes to the checked address
    /// itself (never re-resolved), so a rebinding DNS answer cannot redirect it.
    func openTunnel(context: ChannelHandlerContext, record: CallRecord, tunnel: TunnelRoute) {
        // An open tunnel holds one of the upstream's slots until the client connection closes
        // (the glue closes the upstream side with it), however the tunnel ends or fails to open.
        let limiter = services.limiter, upstream = tunnel.upstream
        guard limiter.acquire(upstream) else {
            state = .idle
            refuse(context: context, record: record, denial: limiter.denial(upstream), close: true)
            return
        }
        context.channel.closeFuture.whenComplete { _ in limiter.release(upstream) }
        state = .tunnelConnecting([])
        // From here the client speaks TLS (or anything): stop parsing HTTP. The request
        // sequencer goes first so no raw bytes reach a handler that expects HTTP parts.
        let pipeline = context.pipeline.syncOperations
        if let handler = try? pipeline.handler(type: RequestSequencer.self) {
            pipeline.removeHandler(handler, promise: nil)
        }
        if let decoder = try? pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self) {
            pipeline.removeHandler(decoder, promise: nil)
        }
        if let deadline = try? pipeline.handler(type: HeadDeadlineHandler.self) {
            pipeline.removeHandler(deadline, promise: nil)
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let addressGuard = services.addressGuard
        policyState.resolver.resolve(tunnel.host) { result in
            loop.execute {
                let (handler, context) = bound.value
                var record = record
                switch result {
                case .failure(let error):
                    handler.refuse(context: context, record: record, denial: Denial(.upstreamUnreachable, "cannot resolve \(tunnel.host.text): \(error.message)"), close: true)
                case .success(let addresses):
                    for address in addresses {
                        if let denial = addressGuard.check(address, port: tunnel.port, upstream: tunnel.upstream) {
                            record.address = address.description
                            handler.refuse(context: context, record: record, denial: Denial(denial.reason, "\(tunnel.host.text): \(denial.detail)"), close: true)
                            return
                        }
                    }
                    guard !addresses.isEmpty else {
                        handler.refuse(context: context, record: record, denial: Denial(.upstreamUnreachable, "\(tunnel.host.text) has no addresses"), close: true)
                        return
                    }
                    handler.connect(context: context, record: record, tunnel: tunnel, addresses: addresses[...], failures: [])
                }
            }
        }
    }

    /// Connects to the first of `addresses` (every one checked already) that accepts, in the order
    /// the resolver gave them, as libcurl does for a call; `failures` says why the ones before failed.
    private func connect(context: ChannelHandlerContext, record: CallRecord, tunnel: TunnelRoute, addresses: ArraySlice<IPAddress>, failures: [String]) {
        // A client that left while an earlier address was tried needs no further attempt.
        guard let address = addresses.first, failures.isEmpty || context.channel.isActive else {
            let left = addresses.isEmpty ? "" : "; the client left before \(addresses.count) more address(es) were tried"
            refuse(context: context, record: record, denial: Denial(.upstreamUnreachable, failures.joined(separator: "; ") + left), close: true)
            return
        }
        var attempt = record
        attempt.address = address.description
        let tried = attempt
        let target: SocketAddress
        do {
            target = try SocketAddress(ipAddress: address.description, port: tunnel.port)
        } catch {
            refuse(context: context, record: tried, denial: Denial(.internalError, "bad address \(address)"), close: true)
            return
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(.milliseconds(Int64(tunnel.upstream.limits.connectTimeoutMs)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(to: target)
            .whenComplete { result in
                let (handler, context) = bound.value
                switch result {
                case .failure(let error):
                    handler.connect(context: context, record: tried, tunnel: tunnel, addresses: addresses.dropFirst(),
                                    failures: failures + ["\(address) port \(tunnel.port): \(error)"])
                case .success(let peer):
                    handler.glue(context: context, record: tried, peer: peer, address: address, tunnel: tunnel)
                }
            }
    }

    private func glue(context: ChannelHandlerContext, record: CallRecord, peer: Channel, address: IPAddress, tunnel: TunnelRoute) {
        let port = tunnel.port
        let entry = TunnelRegistry.Entry(channel: context.channel, record: record, client: tunnelClient.name, tokenDigest: tunnelClient.tokenDigest,
                                         clientAddress: clientAddress, address: address, port: port, reported: tunnel.wouldDeny != nil)
        // Tracked before the reload check below: a reload that lands in between finds it in the registry.
        services.tunnels.add(entry)
        var wouldDeny = tunnel.wouldDeny
        if services.state !== policyState {
            // Decided under a policy that a reload replaced while the connection was being set up.
            switch TunnelRegistry.verdict(on: entry, under: services.state.policy, addressGuard: services.addressGuard) {
            case .refuses(let denial):
                peer.close(promise: nil)
                refuse(context: context, record: record, denial: Denial(denial.reason, "tunnel refused by a policy reload during its setup: \(denial.detail)"), close: true)
                return
            case .reports(let would): wouldDeny = would
            case .keeps: wouldDeny = nil
            }
            services.tunnels.mark(context.channel, reported: wouldDeny != nil)
        }
        let event = record.event(decision: wouldDeny == nil ? "allow" : "report", reason: wouldDeny?.reason,
                                 detail: wouldDeny.map { "\($0.detail); tunnel established" } ?? "tunnel established",
                                 status: 200)
        afterAudit(context: context, event: event, withheld: { handler, context in
            // No record, no tunnel.
            peer.close(promise: nil)
            handler.withhold(context: context, requestID: record.requestID)
        }) { handler, context in
            guard context.channel.isActive else {
                peer.close(promise: nil)
                return
            }
            let pipeline = context.pipeline.syncOperations
            if let encoder = try? pipeline.handler(type: HTTPResponseEncoder.self) {
                pipeline.removeHandler(encoder, promise: nil)
            }
            // RFC 9110 §9.3.6: a 2xx to CONNECT has no body and no Content-Length.
            var ok = context.channel.allocator.buffer(capacity: 64)
            ok.writeString("HTTP/1.1 200 Connection Established\r\nAirlock-Request-Id: \(record.requestID)\r\n\r\n")
            context.writeAndFlush(NIOAny(ok), promise: nil)
            let (local, remote) = GlueHandler.matchedPair()
            do {
                if tunnel.upstream.tunnel == .allow {
                    let services = handler.services
                    let gate = TLSNameGate(host: tunnel.host, record: record, report: tunnel.upstream.mode == .report,
                                           audit: services.audit, deadline: services.helloTimeout)
                    try pipeline.addHandler(gate)
                    try peer.pipeline.syncOperations.addHandler(TLSAnswerWatch(gate: gate))
                }
                try pipeline.addHandler(local)
                try peer.pipeline.syncOperations.addHandler(remote)
            } catch {
                context.close(promise: nil)
                peer.close(promise: nil)
                return
            }
            pipeline.removeHandler(handler, promise: nil)
        }
    }

    /// Hands bytes that arrived during connection setup to the glue, in order.
    func removeHandler(context: ChannelHandlerContext, removalToken: ChannelHandlerContext.RemovalToken) {
        if case .tunnelConnecting(let pending) = state {
            state = .idle
            for data in pending { context.fireChannelRead(data) }
            if !pending.isEmpty { context.fireChannelReadComplete() }
        }
        context.leavePipeline(removalToken: removalToken)
    }
}
