import AirlockCore

/// Resource limits for one upstream (OWASP API4: unrestricted resource consumption).
public struct Limits: Sendable, Equatable {
    /// Largest response body accepted from the upstream; larger is `response_too_large`.
    public var responseBytes: Int
    /// Largest request body accepted from the internal client; larger is `request_too_large`.
    public var requestBytes: Int
    /// Time allowed to establish the TCP (and TLS) connection.
    public var connectTimeoutMs: Int
    /// Time allowed for the whole upstream exchange.
    public var timeoutMs: Int
    /// Largest decoded-to-encoded size ratio of a compressed response (decompression bombs);
    /// enforced once the decoded body passes 64 KiB, beside `responseBytes` on the decoded size.
    public var compressionRatio: Int
    /// Calls in flight plus open tunnels allowed at once for the upstream (a bulkhead: a slow or
    /// flooded upstream cannot take every connection, thread and buffer); more is `concurrency_limit_exceeded`.
    public var concurrentCalls: Int
    /// Calls per client allowed by a token bucket (`rate: 10/s`, `burst: 20`); nil: no rate limit.
    /// More is `rate_limited`.
    public var rate: Rate?

    /// A token bucket: `perSecond` calls on average, at most `burst` at once.
    public struct Rate: Sendable, Equatable {
        /// Calls allowed per `seconds`.
        public let calls: Int
        /// The period of `calls`: 1 (`/s`), 60 (`/m`) or 3600 (`/h`).
        public let seconds: Int
        /// The bucket's size: calls a client may make at once after a quiet spell.
        public let burst: Int

        /// Creates a rate; `burst` defaults to one second's worth of calls, at least 1.
        public init(calls: Int, seconds: Int, burst: Int? = nil) {
            self.calls = max(1, calls)
            self.seconds = max(1, seconds)
            self.burst = max(1, burst ?? (self.calls + self.seconds - 1) / self.seconds)
        }

        /// Calls per second on average.
        public var perSecond: Double { Double(calls) / Double(seconds) }

        /// `10/s burst 10`.
        public var description: String {
            "\(calls)/\(seconds == 1 ? "s" : seconds == 60 ? "m" : "h") burst \(burst)"
        }

        /// Parses `10/s`, `600/m`, `1000/h` (a whole number of calls, 1 to 1000000).
        public static func parse(_ text: String) -> (calls: Int, seconds: Int)? {
            let parts = text.trimmingSpaces().split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let calls = Int(parts[0].trimmingSpaces()), (1...1_000_000).contains(calls),
                  parts[0].trimmingSpaces().utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            switch parts[1].trimmingSpaces() {
            case "s": return (calls, 1)
            case "m", "min": return (calls, 60)
            case "h": return (calls, 3600)
            default: return nil
            }
        }
    }

    /// Conservative defaults: 5 MiB responses, 1 MiB requests, 3 s connect, 15 s total, 100:1 compression,
    /// 256 concurrent calls.
    public static let defaults = Limits(responseBytes: 5 << 20, requestBytes: 1 << 20, connectTimeoutMs: 3_000, timeoutMs: 15_000,
                                        compressionRatio: 100, concurrentCalls: 256)

    /// Creates limits.
    public init(responseBytes: Int, requestBytes: Int, connectTimeoutMs: Int, timeoutMs: Int, compressionRatio: Int = 100, concurrentCalls: Int = 256) {
        self.compressionRatio = compressionRatio
        self.concurrentCalls = concurrentCalls
        self.responseBytes = responseBytes
        self.requestBytes = requestBytes
        self.connectTimeoutMs = connectTimeoutMs
        self.timeoutMs = timeoutMs
    }

    /// One line for `airlock check`, in the policy's own units: `response_bytes 5MiB, request_bytes 1MiB, ...`.
    public var summary: String {
        "response_bytes \(Self.size(responseBytes)), request_bytes \(Self.size(requestBytes)), "
            + "connect_timeout \(Self.duration(connectTimeoutMs)), timeout \(Self.duration(timeoutMs)), "
            + "compression_ratio \(compressionRatio), concurrent_calls \(concurrentCalls)"
            + (rate.map { ", rate \($0.description)" } ?? "")
    }

    static func size(_ bytes: Int) -> String {
        for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift)\(unit)"
        }
        return "\(bytes)"
    }

    static func duration(_ ms: Int) -> String {
        if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms % 1_000 == 0 { return "\(ms / 1_000)s" }
        return "\(ms)ms"
    }
}
