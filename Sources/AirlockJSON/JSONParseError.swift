/// Why and where a document was refused by `JSONParser` (byte offset, 1-based line and column).
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The distinct failure classes; each limit has its own case so callers can tell attacks apart.
    public enum Kind: Sendable, Equatable {
        /// Zero bytes (or only whitespace is reported as `unexpectedEndOfInput`).
        case emptyInput
        /// A leading UTF-8 BOM (refused: only plain UTF-8 is accepted).
        case byteOrderMark
        /// The document stops in the middle of a value.
        case unexpectedEndOfInput
        /// A byte that cannot start or continue the current token.
        case unexpectedByte(UInt8)
        /// Malformed, overlong or surrogate-encoding UTF-8 inside a string.
        case invalidUTF8
        /// A raw control character (< 0x20) inside a string.
        case controlCharacterInString
        /// An unknown escape or a malformed `\u` escape.
        case invalidEscape
        /// A `\u` escape that is an unpaired UTF-16 surrogate.
        case loneSurrogate
        /// A number outside the RFC 8259 grammar (leading zeros, missing digits…).
        case invalidNumber
        /// Anything but whitespace after the top-level value.
        case trailingContent
        /// The same key twice in one object (I-JSON; the key is given).
        case duplicateKey(String)
        /// `Limits.maxBytes` exceeded.
        case tooManyBytes(limit: Int)
        /// `Limits.maxDepth` exceeded.
        case tooDeep(limit: Int)
        /// `Limits.maxStringLength` exceeded.
        case stringTooLong(limit: Int)
        /// `Limits.maxObjectEntries` exceeded.
        case tooManyObjectEntries(limit: Int)
        /// `Limits.maxArrayItems` exceeded.
        case tooManyArrayItems(limit: Int)
        /// `Limits.maxNumberLength` or `Limits.maxNumberExponent` exceeded.
        case numberTooLarge(limit: Int)
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
        case let .numberTooLarge(l): what = "number beyond the limit (\(l) characters or decimal exponent)"
        }
        return "\(what) at line \(line), column \(column) (byte \(offset))"
    }
}
