import AirlockCore
import NIOHTTP1

/// Refuses request framings that two HTTP parsers could read differently (request smuggling,
/// RFC 9112 §6.1 and §6.3): a request Airlock forwards must have exactly one meaning.
enum RequestShape {
    /// `nil` if the head is unambiguous, else the `malformed_request` refusal.
    static func check(_ head: HTTPRequestHead) -> Denial? {
        let lengths = head.headers["Content-Length"]
        let encodings = head.headers["Transfer-Encoding"]
        if !encodings.isEmpty && !lengths.isEmpty {
            return Denial(.malformedRequest, "both Content-Length and Transfer-Encoding are present")
        }
        if lengths.count > 1 || lengths.contains(where: { $0.contains(",") }) {
            return Denial(.malformedRequest, "more than one Content-Length")
        }
        if let length = lengths.first, length.isEmpty || !length.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) || length.count > 15 {
            return Denial(.malformedRequest, "Content-Length is not a decimal number")
        }
        if !encodings.isEmpty {
            if head.version.major == 1 && head.version.minor == 0 {
                return Denial(.malformedRequest, "Transfer-Encoding in an HTTP/1.0 request")
            }
            if encodings.count != 1 || encodings[0].lowercased() != "chunked" {
                return Denial(.malformedRequest, "Transfer-Encoding other than a single 'chunked'")
            }
        }
        for (name, value) in head.headers {
            if name.isEmpty || name.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7f || $0 == 0x3a }) {
                return Denial(.malformedRequest, "invalid header name")
            }
            // obs-fold (RFC 9112 §5.2) and bare CR/LF/NUL in values.
            if value.utf8.contains(where: { $0 == 0x0d || $0 == 0x0a || $0 == 0x00 }) {
                return Denial(.malformedRequest, "header '\(name)' contains a line break (obs-fold) or NUL")
            }
        }
        if head.headers["Host"].count > 1 {
            return Denial(.malformedRequest, "more than one Host header")
        }
        // A body on GET or HEAD has no meaning (RFC 9110 §9.3.1): an upstream that ignores it would
        // read it as its next request on the connection, and libcurl would send such a GET as a POST.
        if head.method == .GET || head.method == .HEAD, !encodings.isEmpty || lengths.contains(where: { $0.contains { $0 != "0" } }) {
            return Denial(.malformedRequest, "a \(head.method.rawValue) request with a body")
        }
        return nil
    }
}
