import AirlockCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The audit sink: appends JSON Lines to a file from a thread of its own.
///
/// Request handling never blocks on the disk: events are queued under a lock and a writer
/// thread appends them in batches (group commit). A caller that must not answer before its
/// event is safe passes `then:`; it runs after the event's bytes were handed to the kernel
/// with write(2), so they survive a crash of the Airlock process, and it is told whether the
/// write succeeded (a full disk: the caller withholds what it would have let through).
/// `close()` drains the queue, so a clean stop (SIGINT/SIGTERM) loses nothing either. `reopen()` starts a new file at
/// the same path after a rotation moved the old one (events before it are in the old file).
public final class AuditLog: @unchecked Sendable {
    /// Where events go.
    public let path: String
    /// Counters over the events written (`/_airlock/metrics`), kept by the writer.
    public let metrics = AuditMetrics()
    /// What runs once an event was written (`true`) or could not be (`false`).
    public typealias Written = @Sendable (Bool) -> Void
    // The descriptor is written by the writer thread only (a reopen), and read by it and, once
    // the writer has stopped (`writerDone`, which callers after close wait for), by callers of `record`.
    private var fd: Int32
    private var handle: FileHandle
    private let condition = NSCondition()
    private var queue: [(AuditEvent, Written?)] = []
    private var reopenRequested = false
    private var closing = false
    private var writerDone = false
    private var writerWaiting = false
    private let finished = DispatchSemaphore(value: 0)

    /// Opens (creating folders as needed) the log for appending and starts the writer.
    public init(path: String) throws {
        self.path = path
        let fd = try Self.open(path)
        self.fd = fd
        self.handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        // The writer holds the log until `close()` ends it (a log dropped without close would otherwise
        // leave its writer waiting on a freed condition).
        let thread = Thread { [self] in self.run() }
        thread.name = "airlock-audit"
        thread.start()
    }

    /// Queues `event`; `then` runs (on the writer thread) once it is written, with whether the write succeeded.
    public func record(_ event: AuditEvent, then: Written? = nil) {
        condition.lock()
        if closing {
            // After close, write synchronously rather than lose the event, once the writer's last
            // batch (and any reopen it was doing) is done: the descriptor is not changing any more.
            while !writerDone { condition.wait() }
            condition.unlock()
            var bytes: [UInt8] = []
            event.appendJSONLine(to: &bytes)
            let written = writeAll(bytes)
            metrics.add(CollectionOfOne(event), failed: !written)
            then?(written)
            return
        }
        queue.append((event, then))
        if writerWaiting { condition.signal() }   // a busy writer picks the event up anyway
        condition.unlock()
    }

    /// Asks the writer to reopen the file at `path` before its next write: after a rotation has
    /// renamed the old file, new events go to a new one. If the new file cannot be opened, the
    /// writer keeps the old one and says so on stderr (no event is lost either way).
    public func reopen() {
        condition.lock()
        if !closing {
            reopenRequested = true
            if writerWaiting { condition.signal() }
        }
        condition.unlock()
    }

    /// Writes everything queued, stops the writer and syncs the file; later events are
    /// written synchronously by the caller.
    public func close() {
        condition.lock()
        guard !closing else {
            condition.unlock()
            return
        }
        closing = true
        condition.broadcast()
        condition.unlock()
        finished.wait()
        fsync(fd)
    }

    deinit {
        // The descriptor outlives close(): an event recorded after close is still written.
        Glibc.close(fd)
    }

    private func run() {
        ThreadName.setCurrent("airlock-audit")
        while true {
            condition.lock()
            while queue.isEmpty && !closing && !reopenRequested {
                writerWaiting = true
                condition.wait()
                writerWaiting = false
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            let done = closing && batch.isEmpty
            let reopening = reopenRequested
            reopenRequested = false
            condition.unlock()
            if reopening { swapFile() }
            if done { break }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(batch.count * 384)
            for (event, _) in batch { event.appendJSONLine(to: &bytes) }
            let written = writeAll(bytes)
            metrics.add(batch.lazy.map(\.0), failed: !written)
            for (_, then) in batch { then?(written) }
        }
        condition.lock()
        writerDone = true
        condition.broadcast()
        condition.unlock()
        finished.signal()
    }

    /// On the writer thread: the file at `path` replaces the open one.
    private func swapFile() {
        do {
            let fresh = try Self.open(path)
            fsync(fd)
            let old = fd
            fd = fresh
            handle = FileHandle(fileDescriptor: fresh, closeOnDealloc: false)
            Glibc.close(old)
        } catch {
            FileHandle.standardError.write(Data("airlock: \(error); still writing the audit log to the file opened before\n".utf8))
        }
    }

    /// Opens `path` for appending, creating its folders as needed.
    private static func open(_ path: String) throws -> Int32 {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw AuditLogError(message: "cannot create the audit log's folder \(folder): \(error.localizedDescription)")
            }
        }
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw AuditLogError(message: "cannot open audit log \(path): \(String(cString: strerror(errno)))")
        }
        return fd
    }

    /// Appends `bytes`; false if the write failed. Nothing else can record a failure, so stderr says
    /// so when writes start failing and when they succeed again (not once per batch: a full disk
    /// would flood it), and `airlock_audit_write_errors_total` counts every event not written.
    private func writeAll(_ bytes: [UInt8]) -> Bool {
        let wasFailing = metrics.failing
        do {
            try handle.write(contentsOf: bytes)
            if wasFailing { FileHandle.standardError.write(Data("airlock: audit writes to \(path) succeed again\n".utf8)) }
            return true
        } catch {
            if !wasFailing {
                FileHandle.standardError.write(Data("airlock: audit write to \(path) failed: \(error); answers that would be allowed are withheld (500 internal_error) until writes succeed again\n".utf8))
            }
            return false
        }
    }
}

/// The audit log could not be opened.
public struct AuditLogError: Error, CustomStringConvertible {
    /// What failed, with the path.
    public let message: String
    /// The message.
    public var description: String { message }
}
