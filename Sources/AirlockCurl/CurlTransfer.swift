import AirlockCore
import CCurl

/// The state of one transfer, reached from libcurl's C callbacks through an
/// `Unmanaged` pointer. Only the engine thread touches it.
final class CurlTransfer {
    let request: CurlRequest
    let completion: @Sendable (Result<CurlResponse, CurlFailure>) -> Void
    let easy: UnsafeMutableRawPointer
    /// The engine's number for this transfer (its easy handle is reused by later ones).
    let serial: UInt64
    /// Asks the engine to unpause this transfer (from any thread; see `FlowWindow`).
    let resume: @Sendable () -> Void
    var headerList: UnsafeMutablePointer<curl_slist>?
    var resolveList: UnsafeMutablePointer<curl_slist>?
    var body: [UInt8] = []
    var headers: [(name: String, value: String)] = []
    var tooLarge = false
    var inflated: (decoded: Int, encoded: Int)?
    /// Set once the final header block was offered to `request.stream`.
    var streamDecided = false
    /// Set at the end of the final header block: later header lines are trailers, which are not
    /// headers of the response (a trailer must not add a second Content-Type after the checks).
    var headersDone = false
    /// The body goes to `request.stream` (decided once, at the end of the final header block).
    var streaming = false
    /// Body bytes received so far, streamed or buffered (what `maxResponseBytes` bounds).
    var received = 0
    var refused: ([UInt8], Int)?
    /// The client hung up (`CurlRequest.cancellation`): the transfer was stopped on purpose.
    var consumerGone = false
    /// Why the response is not well-formed HTTP (set by the header callback, which then stops the transfer).
    var malformed: String?
    /// The next header line starts a block (1xx, then the final one): it must be a status line.
    var atBlockStart = true
    /// Header bytes received so far, every block and trailers included (bounded by `maxHeaderBytes`).
    var headerBytes = 0
    /// The most header bytes a response may have: libcurl bounds each line (100 KiB), not how many
    /// there are, and every field is kept until the response ends.
    static let maxHeaderBytes = 256 << 10

    init(easy: UnsafeMutableRawPointer, request: CurlRequest, serial: UInt64, resume: @escaping @Sendable () -> Void,
         completion: @escaping @Sendable (Result<CurlResponse, CurlFailure>) -> Void) {
        self.easy = easy
        self.serial = serial
        self.resume = resume
        self.request = request
        self.completion = completion
    }

    deinit {
        if let headerList { curl_slist_free_all(headerList) }
        if let resolveList { curl_slist_free_all(resolveList) }
    }

    /// Applies the request to the easy handle. Returns false if libcurl refused an option.
    func configure() -> Bool {
        let me = Unmanaged.passUnretained(self).toOpaque()
        var ok = true
        func check(_ code: CURLcode) { if code != CURLE_OK { ok = false } }
        check(airlock_easy_setopt_str(easy, CURLOPT_URL, request.url))
        check(airlock_easy_setopt_str(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
        check(airlock_easy_setopt_str(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"))
        check(airlock_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0))
        // The path goes out as it was judged: libcurl would otherwise remove dot segments itself.
        check(airlock_easy_setopt_long(easy, CURLOPT_PATH_AS_IS, 1))
        check(airlock_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        check(airlock_easy_setopt_str(easy, CURLOPT_PROXY, ""))          // never inherit *_proxy env vars
        check(airlock_easy_setopt_long(easy, CURLOPT_NETRC, Int(CURL_NETRC_IGNORED.rawValue)))
        check(airlock_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1))
        check(airlock_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2))
        if let caFile = request.caFile { check(airlock_easy_setopt_str(easy, CURLOPT_CAINFO, caFile)) }
        check(airlock_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMs))
        check(airlock_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, request.timeoutMs))
        check(airlock_easy_setopt_off(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(request.maxResponseBytes)))
        check(airlock_easy_setopt_long(easy, CURLOPT_TCP_NODELAY, 1))
        if request.decodeContent {
            // libcurl decodes; the write callback bounds the decoded size and the inflation ratio.
            check(airlock_easy_setopt_str(easy, CURLOPT_ACCEPT_ENCODING, "gzip, deflate"))
        }

        for entry in request.resolve { resolveList = curl_slist_append(resolveList, entry) }
        if let resolveList { check(airlock_easy_setopt_slist(easy, CURLOPT_RESOLVE, resolveList)) }

        var sawAccept = false, sawContentType = false
        for (name, value) in request.headers {
            if name.equalsIgnoringASCIICase("accept") { sawAccept = true }
            if name.equalsIgnoringASCIICase("content-type") { sawContentType = true }
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        if !sawAccept { headerList = curl_slist_append(headerList, "Accept:") }   // no invented Accept: */*
        if !sawContentType { headerList = curl_slist_append(headerList, "Content-Type:") }   // nor a form Content-Type for a body
        headerList = curl_slist_append(headerList, "Expect:")                    // no 100-continue round trip
        check(airlock_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList))

        switch request.method {
        case "GET":
            check(airlock_easy_setopt_long(easy, CURLOPT_HTTPGET, 1))
        case "HEAD":
            check(airlock_easy_setopt_long(easy, CURLOPT_NOBODY, 1))
        default:
            check(airlock_easy_setopt_str(easy, CURLOPT_CUSTOMREQUEST, request.method))
        }
        if !request.body.isEmpty || request.method == "POST" || request.method == "PUT" || request.method == "PATCH" {
            check(airlock_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
            if request.body.isEmpty {
                check(airlock_easy_setopt_str(easy, CURLOPT_COPYPOSTFIELDS, ""))
            } else {
                request.body.withUnsafeBytes { buffer in
                    check(airlock_easy_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress)))
                }
            }
        }

        check(airlock_easy_setopt_data_cb(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback))
        check(airlock_easy_setopt_ptr(easy, CURLOPT_WRITEDATA, me))
        check(airlock_easy_setopt_data_cb(easy, CURLOPT_HEADERFUNCTION, curlHeaderCallback))
        check(airlock_easy_setopt_ptr(easy, CURLOPT_HEADERDATA, me))
        check(airlock_easy_setopt_opensocket_cb(easy, curlOpenSocketCallback))
        check(airlock_easy_setopt_ptr(easy, CURLOPT_OPENSOCKETDATA, me))
        check(airlock_easy_setopt_prereq_cb(easy, curlPrereqCallback))
        check(airlock_easy_setopt_ptr(easy, CURLOPT_PREREQDATA, me))
        return ok
    }

    /// Turns libcurl's result code into the response or a mapped failure.
    func finish(_ code: CURLcode) -> Result<CurlResponse, CurlFailure> {
        if let refused { return .failure(.refusedAddress(refused.0, refused.1)) }
        if consumerGone {
            // Before a streamed body began there is nothing to report but that the client left.
            guard streaming else { return .failure(.cancelled) }
            var status = 0
            _ = airlock_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            var ip: UnsafePointer<CChar>?
            _ = airlock_easy_getinfo_str(easy, CURLINFO_PRIMARY_IP, &ip)
            return .success(CurlResponse(status: status, headers: headers, body: [], connectedAddress: ip.map { String(cString: $0) },
                                         streamed: true, bodyBytes: received, consumerGone: true))
        }
        if let malformed { return .failure(.malformed(malformed)) }
        if let inflated { return .failure(.compressionRatio(decoded: inflated.decoded, encoded: inflated.encoded)) }
        if tooLarge || code == CURLE_FILESIZE_EXCEEDED { return .failure(.tooLarge) }
        if code == CURLE_BAD_CONTENT_ENCODING { return .failure(.badEncoding(String(cString: curl_easy_strerror(code)))) }
        if code == CURLE_WEIRD_SERVER_REPLY { return .failure(.malformed("libcurl could not read the response: \(String(cString: curl_easy_strerror(code)))")) }
        guard code == CURLE_OK else { return .failure(Self.failure(code)) }
        var status = 0
        _ = airlock_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        // The header callback judged the status at the end of its block; a response that ended
        // before a final block did (a 1xx, then the close) has none to hand on.
        guard headersDone, (200...599).contains(status) else {
            return .failure(.malformed("the upstream's response ended without a final status (\(status))"))
        }
        var ip: UnsafePointer<CChar>?
        _ = airlock_easy_getinfo_str(easy, CURLINFO_PRIMARY_IP, &ip)
        let decoded = request.decodeContent && headers.contains { field in
            field.name.equalsIgnoringASCIICase("content-encoding") && field.value.lowercased().filter { $0 != " " && $0 != "\t" } != "identity"
        }
        return .success(CurlResponse(status: status, headers: headers, body: body, connectedAddress: ip.map { String(cString: $0) },
                                     decoded: decoded, streamed: streaming, bodyBytes: received))
    }

    static func failure(_ code: CURLcode) -> CurlFailure {
        let message = String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout(message)
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SEND_ERROR,
             CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE:
            return .unreachable(message)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS:
            return .tls(message)
        default:
            return .other(Int(code.rawValue), message)
        }
    }
}

private func transfer(_ pointer: UnsafeMutableRawPointer?) -> CurlTransfer? {
    pointer.map { Unmanaged<CurlTransfer>.fromOpaque($0).takeUnretainedValue() }
}

/// Body bytes: appended until the cap, then the transfer is aborted (returning less than given).
/// A streamed body pauses the transfer while its consumer is a window behind (libcurl then
/// offers the same bytes again after `curl_easy_pause` lets it continue).
private let curlWriteCallback: airlock_data_cb = { data, size, count, user in
    guard let t = transfer(user), let data else { return 0 }
    let n = size * count
    if t.streaming, t.request.stream?.window?.admit(n, resume: t.resume) == .pause { return Int(CURL_WRITEFUNC_PAUSE) }
    if t.received + n > t.request.maxResponseBytes {
        t.tooLarge = true
        return 0
    }
    if t.streaming, let stream = t.request.stream {
        t.received += n
        stream.body(Array(UnsafeRawBufferPointer(start: data, count: n)))
        return n
    }
    t.received += n
    if t.request.decodeContent, t.body.count + n > 64 << 10 {
        // Decompression bombs: compare what was decoded with what came over the wire.
        var encoded: curl_off_t = 0
        _ = airlock_easy_getinfo_off(t.easy, CURLINFO_SIZE_DOWNLOAD_T, &encoded)
        // libcurl counts a chunked body's encoded bytes only after it delivered the decoded ones, so
        // one read buffer (16 KiB) of encoded input is allowed for in the ratio.
        if (t.body.count + n) / (Int(encoded) + (16 << 10)) > t.request.maxCompressionRatio {
            t.inflated = (t.body.count + n, Int(encoded))
            return 0
        }
    }
    data.withMemoryRebound(to: UInt8.self, capacity: n) { t.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
    return n
}

/// Header lines of each response; a new status line starts a new set (1xx, then the final one).
/// Parsed on bytes: only the name and the trimmed value become strings.
private let curlHeaderCallback: airlock_data_cb = { data, size, count, user in
    guard let t = transfer(user), let data else { return 0 }
    let n = size * count
    let line = UnsafeRawBufferPointer(start: data, count: n)
    func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0d || b == 0x0a }
    var end = n
    while end > 0, isSpace(line[end - 1]) { end -= 1 }
    // A field that is not well-formed HTTP (RFC 9110 §5.1, §5.5) stops the response: a bare CR in a
    // value is a line break to some clients (`X: a\rSet-Cookie: …` would plant a header that the
    // filters never saw), and control characters have no business in a header.
    func refuse(_ why: String) -> Int {
        t.malformed = "the upstream's response \(why), so the response is refused"
        return 0
    }
    t.headerBytes += n
    if t.headerBytes > CurlTransfer.maxHeaderBytes {
        return refuse("headers exceed \(CurlTransfer.maxHeaderBytes >> 10) KiB (interim answers and trailers included)")
    }
    if t.headersDone { return n }   // trailers
    guard end > 0 else {
        // End of a header block: the final one (not 1xx) ends the headers and is offered to the stream.
        t.atBlockStart = true
        var status = 0
        _ = airlock_easy_getinfo_long(t.easy, CURLINFO_RESPONSE_CODE, &status)
        // libcurl takes a 101 it did not ask for as the final answer and the rest of the stream as
        // its body (a second response planted behind it would reach the client's connection), and
        // it reads some status lines as codes no HTTP status has (`HTTP/2 -1`).
        if status == 101 || status < 100 || status > 599 {
            return refuse("status \(status) is not one Airlock hands on (a final status is 200 to 599)")
        }
        if status >= 200 { t.headersDone = true }
        if let stream = t.request.stream, !t.streamDecided {
            if status >= 200 {
                t.streamDecided = true
                var ip: UnsafePointer<CChar>?
                _ = airlock_easy_getinfo_str(t.easy, CURLINFO_PRIMARY_IP, &ip)
                t.streaming = stream.head(status, t.headers, ip.map { String(cString: $0) })
            }
        }
        return n
    }
    func valueIsClean(_ range: Range<Int>) -> Bool {
        !line[range].contains { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7f }
    }
    if t.atBlockStart {
        // The status line (libcurl has parsed it): a new set of fields begins. Only here: a field
        // line that merely starts with `HTTP/` is a field, and a malformed one.
        t.atBlockStart = false
        guard end >= 5, line[0] == 0x48, line[1] == 0x54, line[2] == 0x54, line[3] == 0x50, line[4] == 0x2f else {  // "HTTP/"
            return refuse("status line '\(printable(line[0..<end]))' does not start with HTTP/")
        }
        t.headers.removeAll(keepingCapacity: true)
    } else if line[0] == 0x20 || line[0] == 0x09 {
        // obs-fold from the upstream (RFC 9112 §5.2): join with the previous field
        var start = 0
        while start < end, isSpace(line[start]) { start += 1 }
        guard valueIsClean(start..<end) else { return refuse("header continuation line contains a control character") }
        // Appended in place: a value rebuilt per continuation line would copy it quadratically (87,000
        // lines fit under the header cap).
        if !t.headers.isEmpty {
            t.headers[t.headers.count - 1].value += " " + String(decoding: line[start..<end], as: UTF8.self)
        }
    } else if let colon = line[0..<end].firstIndex(of: 0x3a) {
        guard colon > 0, line[0..<colon].allSatisfy(HTTPText.isTokenByte) else {
            return refuse("header field name '\(printable(line[0..<colon]))' is not an HTTP token")
        }
        var start = colon + 1
        while start < end, isSpace(line[start]) { start += 1 }
        let name = String(decoding: line[0..<colon], as: UTF8.self)
        guard valueIsClean(start..<end) else { return refuse("header '\(name)' contains a control character (a bare CR or LF, NUL, DEL, …)") }
        t.headers.append((name, String(decoding: line[start..<end], as: UTF8.self)))
    } else {
        return refuse("header line '\(printable(line[0..<end]))' is not a field (no ':')")
    }
    return n
}

/// Bytes from an upstream made safe for a message: printable ASCII, at most 40 of them.
private func printable(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
    String(decoding: bytes.prefix(40).map { $0 >= 0x20 && $0 < 0x7f ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
}

/// The same check on the connection the request is about to go out on, new or reused: libcurl
/// reuses a pooled connection by host name and port, whatever addresses this transfer was pinned
/// to, so a connection opened under another upstream's `allow_addresses`, under a policy a reload
/// replaced, or to an earlier DNS answer must pass this transfer's check before a byte is sent.
private let curlPrereqCallback: curl_prereq_callback = { user, primaryIP, _, primaryPort, _ in
    guard let t = transfer(user), let primaryIP else { return 1 }   // CURL_PREREQFUNC_ABORT
    var bytes = [UInt8](repeating: 0, count: 16)
    let family = bytes.withUnsafeMutableBufferPointer { airlock_parse_ip(primaryIP, $0.baseAddress) }
    return admits(t, family: family, bytes, port: Int(primaryPort)) ? 0 : 1   // CURL_PREREQFUNC_OK : _ABORT
}

/// Connect-time address check: curl calls this for every address it is about to try.
private let curlOpenSocketCallback: airlock_opensocket_cb = { user, _, address in
    guard let t = transfer(user), let address else { return airlock_socket_bad() }
    var bytes = [UInt8](repeating: 0, count: 16)
    var port: Int32 = 0
    let family = bytes.withUnsafeMutableBufferPointer { airlock_sockaddr_ip(address, $0.baseAddress, &port) }
    return admits(t, family: family, bytes, port: Int(port)) ? airlock_open_socket(address) : airlock_socket_bad()
}

/// Whether `t` may talk to the address in `bytes` (`family` 4 or 6 as the shim reports it; any
/// other is refused) on `port`. A refusal is recorded on the transfer, which then fails with it.
private func admits(_ t: CurlTransfer, family: Int32, _ bytes: [UInt8], port: Int) -> Bool {
    guard family == 4 || family == 6 else {
        t.refused = ([], 0)
        return false
    }
    let ip = Array(bytes.prefix(family == 4 ? 4 : 16))
    guard t.request.allowConnect(ip, port) else {
        t.refused = (ip, port)
        return false
    }
    return true
}
