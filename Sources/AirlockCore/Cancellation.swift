import Foundation

/// A call's link to the client that asked for it, cut once when the client leaves: the work
/// still being done for it (the upstream transfer, any further redirect hop) stops then, instead
/// of running on to the upstream's answer or its timeout while it holds a concurrency slot.
///
/// Whoever does the work registers what stopping means (`onCancel`); the client's side calls
/// `cancel`. Either may come first, from any thread.
public final class Cancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var action: (@Sendable () -> Void)?

    /// A link not yet cut.
    public init() {}

    /// Whether the client has left.
    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    /// Runs `action` when the link is cut, at once if it already was. Replaces an earlier action
    /// (each hop of a call registers its own transfer).
    public func onCancel(_ action: @escaping @Sendable () -> Void) {
        lock.lock()
        guard !cancelled else {
            lock.unlock()
            action()
            return
        }
        self.action = action
        lock.unlock()
    }

    /// The client left: runs the registered action, once.
    public func cancel() {
        lock.lock()
        guard !cancelled else {
            lock.unlock()
            return
        }
        cancelled = true
        let run = action
        action = nil
        lock.unlock()
        run?()
    }
}
