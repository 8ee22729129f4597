/// The first TLS handshake messages of a CONNECT tunnel, read as far as deciding the tunnel
/// needs: the server name a client's ClientHello asks for, and whether the server's first answer
/// is a HelloRetryRequest (after which the client sends a second ClientHello, checked again).
///
/// Strict where servers could disagree with us: a ClientHello with two `server_name` entries,
/// two extensions of one type or bytes left over is malformed, not guessed at.
public enum TLSHello {
    /// What the bytes at the start of a client's stream are.
    public enum ClientHello: Equatable, Sendable {
        /// Not enough bytes yet to tell.
        case needMore
        /// The stream does not start with a TLS handshake record.
        case notTLS
        /// A TLS handshake that is not a well-formed ClientHello (the reason, for the record).
        case malformed(String)
        /// A ClientHello. `serverName` is its SNI host name (nil: none sent), `encrypted` whether it
        /// carries an Encrypted Client Hello (whose outer name is not the one the server serves),
        /// `end` the offset just past the record that holds its last byte.
        case hello(serverName: String?, encrypted: Bool, end: Int)
    }

    /// The largest ClientHello accepted (real ones are well under 4 KiB, post-quantum key shares included).
    public static let maxHelloBytes = 32 << 10

    static let handshake: UInt8 = 22, changeCipherSpec: UInt8 = 20, applicationData: UInt8 = 23
    static let serverNameExtension = 0, echExtension = 0xfe0d

    /// Reads the ClientHello that `bytes` start with. With `afterRetry`, change-cipher-spec and
    /// application-data records before it are passed over (a client may send them between its first
    /// ClientHello and the one that answers a HelloRetryRequest).
    public static func clientHello(_ bytes: [UInt8], afterRetry: Bool = false) -> ClientHello {
        var at = 0
        if afterRetry {
            while at < bytes.count, bytes[at] == changeCipherSpec || bytes[at] == applicationData {
                guard bytes.count >= at + 5 else { return .needMore }
                at += 5 + (Int(bytes[at + 3]) << 8 | Int(bytes[at + 4]))
            }
        }
        guard at < bytes.count else { return .needMore }
        guard bytes[at] == handshake else { return .notTLS }
        // The handshake message, reassembled from as many records as it spans.
        var message: [UInt8] = []
        var needed: Int? = nil
        while needed.map({ message.count < $0 }) ?? true {
            guard bytes.count >= at + 5 else { return .needMore }
            guard bytes[at] == handshake else { return .malformed("a record of type \(bytes[at]) interrupts the ClientHello") }
            guard bytes[at + 1] == 3 else { return at == 0 ? .notTLS : .malformed("a record of version \(bytes[at + 1]).\(bytes[at + 2])") }
            let length = Int(bytes[at + 3]) << 8 | Int(bytes[at + 4])
            guard length > 0, length <= 1 << 14 else { return .malformed("a handshake record of \(length) bytes") }
            guard bytes.count >= at + 5 + length else { return .needMore }
            message += bytes[(at + 5)..<(at + 5 + length)]
            at += 5 + length
            if needed == nil, message.count >= 4 {
                guard message[0] == 1 else { return .malformed("the first handshake message is of type \(message[0]), not ClientHello") }
                let size = Int(message[1]) << 16 | Int(message[2]) << 8 | Int(message[3])
                guard size <= maxHelloBytes else { return .malformed("a ClientHello of \(size) bytes (at most \(maxHelloBytes))") }
                needed = 4 + size
            }
        }
        // Bytes past the message in its last record would be a second handshake message.
        guard let needed, message.count == needed else { return .malformed("the ClientHello's record holds more than the ClientHello") }
        switch body(message[4...]) {
        case .failure(let reason): return .malformed(reason.text)
        case .success(let (name, encrypted)): return .hello(serverName: name, encrypted: encrypted, end: at)
        }
    }

    struct Failure: Error { let text: String }

    /// The server name and ECH flag of a ClientHello body.
    private static func body(_ hello: ArraySlice<UInt8>) -> Result<(String?, Bool), Failure> {
        var reader = Reader(hello)
        guard reader.skip(2 + 32),                         // legacy_version, random
              reader.vector(lengthBytes: 1) != nil,          // legacy_session_id
              let suites = reader.vector(lengthBytes: 2), !suites.isEmpty, suites.count % 2 == 0,
              let compression = reader.vector(lengthBytes: 1), !compression.isEmpty
        else { return .failure(Failure(text: "a truncated ClientHello")) }
        if reader.atEnd { return .success((nil, false)) }    // no extensions at all (TLS 1.2 and older)
        guard var extensions = reader.vector(lengthBytes: 2).map(Reader.init), reader.atEnd else {
            return .failure(Failure(text: "a ClientHello with bytes past its extensions"))
        }
        var seen = Set<Int>(), name: String? = nil, encrypted = false
        while !extensions.atEnd {
            guard let type = extensions.integer(2), let data = extensions.vector(lengthBytes: 2) else {
                return .failure(Failure(text: "a truncated ClientHello extension"))
            }
            guard seen.insert(type).inserted else { return .failure(Failure(text: "extension \(type) twice in one ClientHello")) }
            if type == echExtension { encrypted = true }
            if type == serverNameExtension {
                switch serverName(data) {
                case .failure(let failure): return .failure(failure)
                case .success(let found): name = found
                }
            }
        }
        return .success((name, encrypted))
    }

    /// RFC 6066 §3: a list holding one `host_name`, ASCII, no trailing dot.
    private static func serverName(_ data: ArraySlice<UInt8>) -> Result<String, Failure> {
        var reader = Reader(data)
        guard var list = reader.vector(lengthBytes: 2).map(Reader.init), reader.atEnd,
              let type = list.integer(1), type == 0, let name = list.vector(lengthBytes: 2), list.atEnd
        else { return .failure(Failure(text: "a server_name extension that is not exactly one host name")) }
        guard !name.isEmpty, name.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
            return .failure(Failure(text: "a server name that is empty or not printable ASCII"))
        }
        return .success(String(decoding: name, as: UTF8.self))
    }

    /// RFC 8446 §4.1.3: a HelloRetryRequest is a ServerHello with this random.
    static let retryRandom: [UInt8] = [
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
        0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
    ]

    /// Whether the server's stream, which `bytes` start, opens with a HelloRetryRequest (nil: too few bytes to tell).
    /// Anything else (a ServerHello, an alert, not TLS) is false.
    public static func isRetryRequest(_ bytes: [UInt8]) -> Bool? {
        let prefix = 5 + 4 + 2 + 32
        if let first = bytes.first, first != handshake { return false }
        if bytes.count >= 6, bytes[5] != 2 { return false }
        guard bytes.count >= prefix else { return nil }
        return Array(bytes[11..<prefix]) == retryRandom
    }
}

/// Big-endian fields and length-prefixed vectors, never reading past the end.
private struct Reader {
    var bytes: ArraySlice<UInt8>
    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { bytes.isEmpty }

    mutating func skip(_ count: Int) -> Bool {
        guard bytes.count >= count else { return false }
        bytes = bytes.dropFirst(count)
        return true
    }

    mutating func integer(_ size: Int) -> Int? {
        guard bytes.count >= size else { return nil }
        let value = bytes.prefix(size).reduce(0) { $0 << 8 | Int($1) }
        bytes = bytes.dropFirst(size)
        return value
    }

    mutating func vector(lengthBytes: Int) -> ArraySlice<UInt8>? {
        guard let length = integer(lengthBytes), bytes.count >= length else { return nil }
        defer { bytes = bytes.dropFirst(length) }
        return bytes.prefix(length)
    }
}
