import AirlockTestSupport
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP server on 127.0.0.1:<ephemeral> that counts connections; the XXE tests assert it
/// received none. It answers anything with a small DTD/XSD-looking body so a fetch would "succeed".
final class LoopbackServer: Sendable {
    let port: UInt16
    private let socketDescriptor: Int32
    private let state = Mutex<(connections: Int, stopped: Bool)>((0, false))

    init() throws {
        let (fd, port) = try LoopbackSocket.listen()
        socketDescriptor = fd
        self.port = UInt16(port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Connections accepted so far.
    var connections: Int {
        state.withLock { $0.connections }
    }

    /// Base URL for test documents.
    var url: String {
        "http://127.0.0.1:\(port)"
    }

    func stop() {
        state.withLock { $0.stopped = true }
    }

    /// A minimal blocking HTTP GET, used to prove the server does count real requests.
    static func get(port: UInt16, path: String) -> String {
        guard let fd = try? LoopbackSocket.connect(port: Int(port)) else { return "" }
        defer { close(fd) }
        let request = "GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
        _ = request.withCString { write(fd, $0, strlen($0)) }
        var reply = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { break }
            reply += buffer[0..<count]
        }
        return String(decoding: reply, as: UTF8.self)
    }

    private func acceptLoop() {
        defer { close(socketDescriptor) }
        while !state.withLock({ $0.stopped }) {
            var poller = pollfd(fd: socketDescriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let client = accept(socketDescriptor, nil, nil)
            guard client >= 0 else { continue }
            state.withLock { $0.connections += 1 }
            var buffer = [UInt8](repeating: 0, count: 4096)
            _ = read(client, &buffer, buffer.count)
            let body = "<!ENTITY leaked \"LEAKED\">"
            let response = "HTTP/1.0 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            _ = response.withCString { write(client, $0, strlen($0)) }
            close(client)
        }
    }
}
