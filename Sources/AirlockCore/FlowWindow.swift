import Foundation

/// Back-pressure between a producer on one thread (the libcurl engine, reading a relayed
/// response) and a consumer on another (the client's event loop, writing it on).
///
/// The producer may have at most `bytes` handed over and not yet consumed; beyond that it
/// stops (libcurl pauses the transfer, so the upstream's TCP window closes) and leaves a
/// resume action, which the consumer runs once it is back under half the window. So a client
/// that reads slowly, or not at all, holds a bounded amount of memory, whatever the size of
/// the response. (A consumer that leaves cancels the transfer instead: see `Cancellation`.)
public final class FlowWindow: @unchecked Sendable {
    /// Bytes that may be handed over and not yet consumed.
    public let bytes: Int
    private let lock = NSLock()
    private var outstanding = 0
    private var waiting: (@Sendable () -> Void)?

    /// The default: 256 KiB, beside the event loop's own 64 KiB write buffer.
    public init(bytes: Int = 256 << 10) {
        self.bytes = bytes
    }

    /// What the producer does with the bytes it has.
    public enum Admission: Sendable {
        /// Hand them over (they are counted).
        case pass
        /// Keep them and pause; `resume` runs, on the consumer's thread, when they may go.
        case pause
    }

    /// Producer: whether `count` more bytes may be handed over now. A piece larger than the
    /// whole window passes when nothing is outstanding.
    public func admit(_ count: Int, resume: @escaping @Sendable () -> Void) -> Admission {
        lock.lock()
        defer { lock.unlock() }
        guard outstanding == 0 || outstanding + count <= bytes else {
            waiting = resume
            return .pause
        }
        outstanding += count
        return .pass
    }

    /// Whether the producer is paused, waiting for the consumer to catch up.
    public var isWaiting: Bool {
        lock.lock()
        defer { lock.unlock() }
        return waiting != nil
    }

    /// Consumer: `count` bytes handed over earlier are gone (written on).
    public func consumed(_ count: Int) {
        lock.lock()
        outstanding -= count
        var resume: (@Sendable () -> Void)?
        if outstanding <= bytes / 2 { swap(&resume, &waiting) }
        lock.unlock()
        resume?()
    }
}
