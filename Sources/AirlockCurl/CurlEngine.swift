import AirlockCore
import CCurl
import Foundation

/// Runs libcurl's multi interface on one thread of its own.
///
/// No NIO event loop ever blocks on curl: callers submit a request with a completion and
/// return at once; the engine thread drives every transfer with `curl_multi_poll`. One
/// multi handle means one connection cache, so keep-alive connections to upstreams are
/// reused across requests from every client.
public final class CurlEngine: @unchecked Sendable {
    /// Engine settings.
    public struct Configuration: Sendable {
        /// Idle connections kept for reuse (`CURLMOPT_MAXCONNECTS`).
        public var maxCachedConnections = 256
        /// Creates the default configuration.
        public init() {}
    }

    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    private let multi: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var pending: [(CurlRequest, @Sendable (Result<CurlResponse, CurlFailure>) -> Void)] = []
    /// Transfers to continue (paused by their stream's window) or to stop (their client left):
    /// easy handle and serial (a handle is reused by later transfers).
    private var signals: [(easy: UInt, serial: UInt64, signal: Signal)] = []
    private enum Signal { case resume, cancel }
    private var stopping = false
    private var serial: UInt64 = 0                        // engine thread only
    private var active: [UInt: CurlTransfer] = [:]       // engine thread only
    private var spareHandles: [UnsafeMutableRawPointer] = []   // engine thread only
    private let stopped = DispatchSemaphore(value: 0)

    /// `CURLPAUSE_CONT` (`CURLPAUSE_RECV_CONT | CURLPAUSE_SEND_CONT`, a macro Swift does not import).
    private let curlPauseContinue: Int32 = 0

    /// The libcurl version string (for startup output).
    public static var version: String { String(cString: curl_version()) }

    /// Starts the engine thread.
    public init(configuration: Configuration = .init()) throws {
        guard Self.globalInit, let multi = curl_multi_init() else {
            throw CurlFailure.other(-1, "libcurl could not be initialised")
        }
        self.multi = multi
        _ = airlock_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, configuration.maxCachedConnections)
        let thread = Thread { [self] in run() }
        thread.name = "airlock-curl"
        thread.start()
    }

    /// Queues `request`; `completion` runs on the engine thread when it finishes (keep it short).
    public func perform(_ request: CurlRequest, completion: @escaping @Sendable (Result<CurlResponse, CurlFailure>) -> Void) {
        lock.lock()
        if stopping {
            lock.unlock()
            completion(.failure(.shuttingDown))
            return
        }
        let wasEmpty = pending.isEmpty && signals.isEmpty
        pending.append((request, completion))
        // One wake-up per batch: if the queues were not empty, a wake-up is already on its way.
        // Under the lock, so that it cannot race the engine thread's cleanup after a stop.
        if wasEmpty { curl_multi_wakeup(multi) }
        lock.unlock()
    }

    /// Continues a transfer that its stream's window paused, or stops one whose client left
    /// (any thread; a transfer that has finished meanwhile is left alone).
    private func signal(_ signal: Signal, easy: UInt, serial: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        guard !stopping else { return }
        let wasEmpty = pending.isEmpty && signals.isEmpty
        signals.append((easy, serial, signal))
        if wasEmpty { curl_multi_wakeup(multi) }
    }

    /// Fails queued transfers, lets running ones end as aborted, and stops the thread.
    public func shutdown() {
        lock.lock()
        let already = stopping
        stopping = true
        // Under the lock: once it is released, the engine thread may see the stop and free `multi`.
        if !already { curl_multi_wakeup(multi) }
        lock.unlock()
        guard !already else { return }
        stopped.wait()
    }

    private func run() {
        ThreadName.setCurrent("airlock-curl")
        var running: Int32 = 0
        while true {
            lock.lock()
            let submitted = pending
            pending.removeAll(keepingCapacity: true)
            let signalled = signals
            signals.removeAll(keepingCapacity: true)
            let stop = stopping
            lock.unlock()
            if stop {
                for (_, completion) in submitted { completion(.failure(.shuttingDown)) }
                break
            }
            for (request, completion) in submitted { start(request, completion) }
            for (easy, serial, signal) in signalled {
                guard let transfer = active[easy], transfer.serial == serial else { continue }
                switch signal {
                case .resume:
                    // Continuing runs the write callback with the held bytes at once; if that stops the
                    // transfer (the size cap), the error may come back only here.
                    let code = curl_easy_pause(transfer.easy, curlPauseContinue)
                    if code != CURLE_OK { complete(transfer.easy, code) }
                case .cancel:
                    // Out of the multi handle mid-transfer: libcurl closes the connection (it is in an
                    // unknown state), so the upstream sees the call end as the client did.
                    transfer.consumerGone = true
                    complete(transfer.easy, CURLE_ABORTED_BY_CALLBACK)
                }
            }
            curl_multi_perform(multi, &running)
            collectFinished()
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        for (_, transfer) in active {
            curl_multi_remove_handle(multi, transfer.easy)
            transfer.completion(.failure(.shuttingDown))
            curl_easy_cleanup(transfer.easy)
        }
        active.removeAll()
        for easy in spareHandles { curl_easy_cleanup(easy) }
        spareHandles.removeAll()
        curl_multi_cleanup(multi)
        stopped.signal()
    }

    private func start(_ request: CurlRequest, _ completion: @escaping @Sendable (Result<CurlResponse, CurlFailure>) -> Void) {
        if request.cancellation?.isCancelled == true {
            completion(.failure(.cancelled))   // the client left while the call was resolved or queued
            return
        }
        let easy: UnsafeMutableRawPointer
        if let spare = spareHandles.popLast() {
            curl_easy_reset(spare)
            easy = spare
        } else if let fresh = curl_easy_init() {
            easy = fresh
        } else {
            completion(.failure(.other(-1, "curl_easy_init failed")))
            return
        }
        serial &+= 1
        let key = UInt(bitPattern: easy), number = serial
        let transfer = CurlTransfer(easy: easy, request: request, serial: number,
                                    resume: { [weak self] in self?.signal(.resume, easy: key, serial: number) }, completion: completion)
        guard transfer.configure(), curl_multi_add_handle(multi, easy) == CURLM_OK else {
            curl_easy_cleanup(easy)
            completion(.failure(.other(-1, "libcurl refused the request options")))
            return
        }
        active[UInt(bitPattern: easy)] = transfer
        request.cancellation?.onCancel { [weak self] in self?.signal(.cancel, easy: key, serial: number) }
    }

    private func collectFinished() {
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            complete(easy, message.pointee.data.result)
        }
    }

    /// Ends the transfer of `easy` with `code`: out of the multi handle, its result to its completion.
    private func complete(_ easy: UnsafeMutableRawPointer, _ code: CURLcode) {
        curl_multi_remove_handle(multi, easy)
        guard let transfer = active.removeValue(forKey: UInt(bitPattern: easy)) else { return }
        let result = transfer.finish(code)
        if spareHandles.count < 64 { spareHandles.append(easy) } else { curl_easy_cleanup(easy) }
        transfer.completion(result)
    }
}
