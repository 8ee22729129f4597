import AirlockCore
import NIOCore
import NIOHTTP1

/// The error Airlock hands back: status, `Airlock-Reason` header and a JSON body
/// `{"error": {"reason", "message", "request_id"}}` (PRODUCT.md "Errors").
enum ErrorBody {
    static func response(_ denial: Denial, requestID: String, close: Bool, allocator: ByteBufferAllocator) -> (HTTPResponseHead, ByteBuffer) {
        var json = "{\"error\":{\"reason\":"
        JSONString.append(&json, denial.reason.rawValue)
        json += ",\"message\":"
        JSONString.append(&json, denial.answer ?? (denial.detail.isEmpty ? denial.reason.summary : denial.detail))
        json += ",\"request_id\":"
        JSONString.append(&json, requestID)
        json += "}}\n"
        var buffer = allocator.buffer(capacity: json.utf8.count)
        buffer.writeString(json)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(buffer.readableBytes))
        headers.add(name: "Airlock-Reason", value: denial.reason.rawValue)
        headers.add(name: "Airlock-Request-Id", value: requestID)
        headers.add(name: "Cache-Control", value: "no-store")
        if close { headers.add(name: "Connection", value: "close") }
        if let seconds = denial.retryAfter {
            headers.add(name: "Retry-After", value: String(seconds))
        } else if denial.reason.status == 503 {
            headers.add(name: "Retry-After", value: "1")   // a stop or a full upstream: soon
        }
        if denial.reason == .clientUnauthenticated { headers.add(name: "Proxy-Authenticate", value: "Basic realm=\"airlock\"") }
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: denial.reason.status), headers: headers)
        return (head, buffer)
    }
}
