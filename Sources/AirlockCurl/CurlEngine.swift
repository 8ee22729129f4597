import CCurl
import Foundation

/// Runs libcurl's multi interface on one thread of its own, event-driven.
///
/// No NIO event loop ever blocks on curl: callers submit a request with a completion and
/// return at once. The engine thread waits in `epoll_wait` on exactly the sockets curl asks
/// for (`CURLMOPT_SOCKETFUNCTION`) and on an eventfd that new submissions signal, and drives
/// only the transfers whose sockets are ready (`curl_multi_socket_action`), so its cost per
/// event does not grow with the number of open connections. One multi handle means one
/// connection cache: keep-alive connections to upstreams are reused across all clients.
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
    private let epfd: Int32
    private let wakeFD: Int32
    private let lock = NSLock()
    private var pending: [(CurlRequest, @Sendable (Result<CurlResponse, CurlFailure>) -> Void)] = []
    private var stopping = false
    // Engine thread only:
    private var active: [UInt: CurlTransfer] = [:]
    private var spareHandles: [UnsafeMutableRawPointer] = []
    private let stopped = DispatchSemaphore(value: 0)

    /// The libcurl version string (for startup output).
    public static var version: String { String(cString: curl_version()) }

    /// Starts the engine thread.
    public init(configuration: Configuration = .init()) throws {
        guard Self.globalInit, let multi = curl_multi_init() else {
            throw CurlFailure.other(-1, "libcurl could not be initialised")
        }
        let epfd = airlock_epoll_create()
        let wakeFD = airlock_eventfd()
        guard epfd >= 0, wakeFD >= 0, airlock_epoll_set(epfd, wakeFD, 1, 0) == 0 else {
            curl_multi_cleanup(multi)
            throw CurlFailure.other(-1, "cannot create the engine's epoll set")
        }
        self.multi = multi
        self.epfd = epfd
        self.wakeFD = wakeFD
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = airlock_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, configuration.maxCachedConnections)
        _ = airlock_multi_setopt_socket_cb(multi, engineSocketCallback)
        _ = airlock_multi_setopt_ptr(multi, CURLMOPT_SOCKETDATA, me)
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
        let wasEmpty = pending.isEmpty
        pending.append((request, completion))
        lock.unlock()
        if wasEmpty { airlock_eventfd_signal(wakeFD) }
    }

    /// Fails queued transfers, ends running ones as aborted, and stops the thread.
    public func shutdown() {
        lock.lock()
        let already = stopping
        stopping = true
        lock.unlock()
        guard !already else { return }
        airlock_eventfd_signal(wakeFD)
        stopped.wait()
    }

    // MARK: - Engine thread

    private func run() {
        var fds = [Int32](repeating: 0, count: 64)
        var flags = [Int32](repeating: 0, count: 64)
        var running: Int32 = 0
        while true {
            lock.lock()
            let submitted = pending
            pending.removeAll(keepingCapacity: true)
            let stop = stopping
            lock.unlock()
            if stop {
                for (_, completion) in submitted { completion(.failure(.shuttingDown)) }
                break
            }
            for (request, completion) in submitted { start(request, completion) }

            // curl's own next deadline, asked each round (curl_multi_timeout) rather than
            // tracked from timer callbacks, which curl skips when the deadline is unchanged.
            var timeout = -1
            curl_multi_timeout(multi, &timeout)
            if timeout == 0 {
                curl_multi_socket_action(multi, airlock_socket_timeout(), 0, &running)
                collectFinished()
                continue
            }
            let wait = Int32(timeout < 0 ? 1000 : min(timeout, 1000))
            let n = fds.withUnsafeMutableBufferPointer { f in
                flags.withUnsafeMutableBufferPointer { g in
                    airlock_epoll_wait(epfd, f.baseAddress, g.baseAddress, 64, wait)
                }
            }
            if n > 0 {
                for i in 0..<Int(n) {
                    if fds[i] == wakeFD {
                        airlock_eventfd_drain(wakeFD)
                    } else {
                        curl_multi_socket_action(multi, fds[i], flags[i], &running)
                    }
                }
            } else if n == 0 {
                curl_multi_socket_action(multi, airlock_socket_timeout(), 0, &running)
            }
            collectFinished()
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
        close(epfd)
        close(wakeFD)
        stopped.signal()
    }

    fileprivate func watch(_ socket: Int32, what: Int32) {
        switch what {
        case Int32(CURL_POLL_REMOVE): _ = airlock_epoll_remove(epfd, socket)
        case Int32(CURL_POLL_IN): _ = airlock_epoll_set(epfd, socket, 1, 0)
        case Int32(CURL_POLL_OUT): _ = airlock_epoll_set(epfd, socket, 0, 1)
        case Int32(CURL_POLL_INOUT): _ = airlock_epoll_set(epfd, socket, 1, 1)
        default: break
        }
    }

    private func start(_ request: CurlRequest, _ completion: @escaping @Sendable (Result<CurlResponse, CurlFailure>) -> Void) {
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
        let transfer = CurlTransfer(easy: easy, request: request, completion: completion)
        guard transfer.configure(), curl_multi_add_handle(multi, easy) == CURLM_OK else {
            curl_easy_cleanup(easy)
            completion(.failure(.other(-1, "libcurl refused the request options")))
            return
        }
        active[UInt(bitPattern: easy)] = transfer
    }

    private func collectFinished() {
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let code = message.pointee.data.result
            curl_multi_remove_handle(multi, easy)
            guard let transfer = active.removeValue(forKey: UInt(bitPattern: easy)) else { continue }
            let result = transfer.finish(code)
            if spareHandles.count < 64 { spareHandles.append(easy) } else { curl_easy_cleanup(easy) }
            transfer.completion(result)
        }
    }
}

private func engine(_ pointer: UnsafeMutableRawPointer?) -> CurlEngine? {
    pointer.map { Unmanaged<CurlEngine>.fromOpaque($0).takeUnretainedValue() }
}

/// curl tells which sockets to watch for what.
private let engineSocketCallback: airlock_socket_cb = { _, socket, what, user, _ in
    engine(user)?.watch(socket, what: what)
    return 0
}
