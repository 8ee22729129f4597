/// Small text rules shared by the policy loader, the OpenAPI reader and the header filters.
public enum HTTPText {
    /// A status code (`200`) or a class (`2XX`, `2xx`) as the range of codes it covers; nil otherwise.
    /// Both policy `match.status` entries and OpenAPI response keys are spelled this way.
    public static func statusRange(_ text: String) -> ClosedRange<Int>? {
        let bytes = Array(text.utf8)
        guard bytes.count == 3, (0x31...0x35).contains(bytes[0]) else { return nil }
        let first = Int(bytes[0] - 0x30)
        if (bytes[1] | 0x20) == 0x78, (bytes[2] | 0x20) == 0x78 { return (first * 100)...(first * 100 + 99) }
        guard let code = Int(text), bytes.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return code...code
    }

    /// tchar (RFC 9110 §5.6.2): what header field names, methods and media type parts are made of.
    @inlinable public static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5a, 0x61...0x7a: true   // DIGIT, ALPHA
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2a, 0x2b, 0x2d, 0x2e, 0x5e, 0x5f, 0x60, 0x7c, 0x7e: true   // !#$%&'*+-.^_`|~
        default: false
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's optional whitespace, RFC 9110 §5.6.3).
    public func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

extension String {
    /// Whether this is `lowercase` (lower-case ASCII) but for the case of its ASCII letters, as
    /// header field names compare (RFC 9110 §5.1); without building a lower-cased copy.
    @inlinable public func equalsIgnoringASCIICase(_ lowercase: String) -> Bool {
        let bytes = utf8, expected = lowercase.utf8
        guard bytes.count == expected.count else { return false }
        // Native and small strings: a loop over their bytes (zipping two UTF-8 views costs an
        // iterator step per byte on each, in a comparison that runs for every header field).
        let direct: Bool?? = bytes.withContiguousStorageIfAvailable { mine in
            expected.withContiguousStorageIfAvailable { wanted in
                for i in 0..<mine.count {
                    let byte = mine[i]
                    if (byte &- 0x41 < 26 ? byte | 0x20 : byte) != wanted[i] { return false }
                }
                return true
            }
        }
        if let direct, let direct { return direct }
        for (byte, wanted) in zip(bytes, expected) {
            let folded = byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte
            if folded != wanted { return false }
        }
        return true
    }

    /// Whether this starts with `lowercase` (lower-case ASCII) but for the case of its ASCII letters.
    @inlinable public func hasPrefixIgnoringASCIICase(_ lowercase: String) -> Bool {
        var bytes = utf8.makeIterator()
        for wanted in lowercase.utf8 {
            guard let byte = bytes.next() else { return false }
            let folded = byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte
            if folded != wanted { return false }
        }
        return true
    }
}
