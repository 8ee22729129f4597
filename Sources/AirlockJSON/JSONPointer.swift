import Foundation

/// JSON Pointer (RFC 6901) helpers.
public enum JSONPointer {
    /// Escapes one reference token (`~` → `~0`, `/` → `~1`).
    public static func escape(_ token: String) -> String {
        if !token.contains("~") && !token.contains("/") { return token }
        return token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// Unescapes one reference token.
    public static func unescape(_ token: Substring) -> String {
        if !token.contains("~") { return String(token) }
        return token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
    }

    /// Resolves a pointer ("" or "/a/b") inside a value; nil if absent.
    public static func resolve(_ pointer: String, in value: JSONValue) -> JSONValue? {
        if pointer.isEmpty { return value }
        guard pointer.hasPrefix("/") else { return nil }
        var cur = value
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let token = unescape(raw)
            switch cur {
            case let .object(o):
                guard let next = o[token] else { return nil }
                cur = next
            case let .array(a):
                guard let i = Int(token), i >= 0, i < a.count, token == String(i) else { return nil }
                cur = a[i]
            default: return nil
            }
        }
        return cur
    }

    /// Percent-decodes a URI fragment (so `#/$defs/a%25b` finds key `a%b`).
    static func percentDecode(_ s: String) -> String {
        if !s.contains("%") { return s }
        var bytes: [UInt8] = []
        var u = Array(s.utf8)[...]
        while let c = u.first {
            if c == UInt8(ascii: "%"), u.count >= 3,
               let h = UInt8(String(decoding: u.dropFirst().prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(h)
                u = u.dropFirst(3)
            } else {
                bytes.append(c)
                u = u.dropFirst()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
