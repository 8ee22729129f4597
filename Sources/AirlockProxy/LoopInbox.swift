import NIOConcurrencyHelpers
import NIOCore

/// Hands work from other threads (the libcurl engine, the audit writer) to one event loop,
/// coalescing wake-ups: under load many completions arrive while the loop is busy, and they
/// all run in one scheduled task instead of one cross-thread wake-up each.
final class LoopInbox: Sendable {
    private let loop: EventLoop
    private let tasks = NIOLockedValueBox<[@Sendable () -> Void]>([])

    init(loop: EventLoop) {
        self.loop = loop
    }

    /// Runs `task` on the loop, after the tasks submitted before it.
    func submit(_ task: @escaping @Sendable () -> Void) {
        let first = tasks.withLockedValue { list in
            list.append(task)
            return list.count == 1
        }
        if first { loop.execute { self.drain() } }
    }

    private func drain() {
        let batch = tasks.withLockedValue { list in
            let taken = list
            list.removeAll(keepingCapacity: true)
            return taken
        }
        for task in batch { task() }
    }
}
