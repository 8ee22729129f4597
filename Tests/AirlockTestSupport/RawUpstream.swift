import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An upstream that answers with exact bytes, which no HTTP library would write (a bare CR in a
/// header, control characters, a malformed field): for the hostile-response tests. It reads a
/// request head, writes the bytes `answer` gives for its path, and closes the connection.
public final class RawUpstream: Sendable {
    public let port: Int
    private let listener: Int32
    private let paths = Mutex<[String]>([])

    /// The request paths received so far.
    public var requests: [String] { paths.withLock { $0 } }

    public init(answer: @escaping @Sendable (String) -> [UInt8]) throws {
        (listener, port) = try LoopbackSocket.listen()
        Thread.detachNewThread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                Thread.detachNewThread { [self] in serve(connection, answer) }
            }
        }
    }

    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
    }

    private func serve(_ connection: Int32, _ answer: @Sendable (String) -> [UInt8]) {
        defer { Glibc.close(connection) }
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: request, as: UTF8.self).contains("\r\n\r\n") {
            let n = recv(connection, &buffer, buffer.count, 0)
            guard n > 0 else { return }
            request += buffer[..<n]
        }
        let line = String(decoding: request.prefix { $0 != 0x0d }, as: UTF8.self).split(separator: " ")
        let path = line.count > 1 ? String(line[1]) : "/"
        paths.withLock { $0.append(path) }
        let bytes = answer(path)
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return }
            done += n
        }
    }
}
