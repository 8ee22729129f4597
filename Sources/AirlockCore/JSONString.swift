/// JSON string literals (RFC 8259 §7) for the hand-written JSON Airlock emits on hot paths
/// (audit lines, error bodies): any input, hostile or not, stays one well-formed line.
public enum JSONString {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `value` to `out` as a quoted, escaped JSON string (UTF-8 bytes).
    ///
    /// Works on bytes: Swift strings are valid UTF-8, so only `"`, `\\`, controls, DEL and
    /// the JavaScript line separators U+2028/U+2029 need escaping.
    public static func append(_ out: inout [UInt8], _ value: String) {
        out.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            var i = 0
            while i < bytes.count {
                let byte = bytes[i]
                switch byte {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(byte)
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(byte)
                case UInt8(ascii: "\n"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
                case UInt8(ascii: "\t"): out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
                case 0..<0x20, 0x7f:
                    escape(&out, UInt16(byte))
                case 0xe2 where i + 2 < bytes.count && bytes[i + 1] == 0x80 && (bytes[i + 2] == 0xa8 || bytes[i + 2] == 0xa9):
                    escape(&out, bytes[i + 2] == 0xa8 ? 0x2028 : 0x2029)
                    i += 2
                default:
                    out.append(byte)
                }
                i += 1
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends `value` to `out` as a quoted, escaped JSON string.
    public static func append(_ out: inout String, _ value: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count + 2)
        append(&bytes, value)
        out += String(decoding: bytes, as: UTF8.self)
    }

    private static func escape(_ out: inout [UInt8], _ scalar: UInt16) {
        out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"),
                                hex[Int(scalar >> 12 & 0xf)], hex[Int(scalar >> 8 & 0xf)],
                                hex[Int(scalar >> 4 & 0xf)], hex[Int(scalar & 0xf)]])
    }
}
