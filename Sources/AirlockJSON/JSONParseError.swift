/// Why and where a document was refused by `JSONParser` (byte offset, 1-based line and column).
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The distinct failure classes; each limit has its own case so callers can tell attacks apart.
    public enum Kind: Sendable, Equatable {
        case emptyInput
        case byteOrderMark
        case unexpectedEndOfInput
        case unexpectedByte(UInt8)
        case invalidUTF8
        case controlCharacterInString
        case invalidEscape
        case loneSurrogate
        case invalidNumber
        case trailingContent
        case duplicateKey(String)
        case tooManyBytes(limit: Int)
        case tooDeep(limit: Int)
        case stringTooLong(limit: Int)
        case tooManyObjectEntries(limit: Int)
        case tooManyArrayItems(limit: Int)
    }

    /// The failure class.
    public let kind: Kind
    /// Zero-based byte offset of the offending byte.
    public let offset: Int
    /// One-based line of the offending byte.
    public let line: Int
    /// One-based column (in bytes) of the offending byte.
    public let column: Int

    /// Builds an error, computing line and column from the input.
    init(_ kind: Kind, at offset: Int, in p: UnsafeBufferPointer<UInt8>) {
        self.kind = kind
        self.offset = offset
        var line = 1
        var lineStart = 0
        var i = 0
        let end = min(offset, p.count)
        while i < end {
            if p[i] == 10 { line += 1; lineStart = i + 1 }
            i += 1
        }
        self.line = line
        self.column = offset - lineStart + 1
    }

    /// Public memberwise init for callers that synthesize errors.
    public init(kind: Kind, offset: Int, line: Int, column: Int) {
        self.kind = kind
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// Human-readable summary with the position.
    public var description: String {
        let what: String
        switch kind {
        case .emptyInput: what = "empty input"
        case .byteOrderMark: what = "byte order mark is not allowed"
        case .unexpectedEndOfInput: what = "unexpected end of input"
        case let .unexpectedByte(b): what = "unexpected byte 0x" + String(b, radix: 16)
        case .invalidUTF8: what = "invalid UTF-8"
        case .controlCharacterInString: what = "unescaped control character in string"
        case .invalidEscape: what = "invalid escape sequence"
        case .loneSurrogate: what = "lone UTF-16 surrogate in \\u escape"
        case .invalidNumber: what = "invalid number"
        case .trailingContent: what = "unexpected content after the JSON value"
        case let .duplicateKey(k): what = "duplicate object key \"\(k)\""
        case let .tooManyBytes(l): what = "document exceeds \(l) bytes"
        case let .tooDeep(l): what = "nesting deeper than \(l)"
        case let .stringTooLong(l): what = "string longer than \(l) bytes"
        case let .tooManyObjectEntries(l): what = "object with more than \(l) entries"
        case let .tooManyArrayItems(l): what = "array with more than \(l) items"
        }
        return "\(what) at line \(line), column \(column) (byte \(offset))"
    }
}
