/// Canonical compact JSON output: valid UTF-8, minimal escapes, numbers exactly as parsed, key order kept.
public enum JSONSerializer {
    /// Serializes a value to bytes.
    public static func serialize(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    /// Serializes a value to a String (convenience for tests and logs).
    public static func string(_ value: JSONValue) -> String {
        String(decoding: serialize(value), as: UTF8.self)
    }

    /// Appends the serialization of `value` to `out`.
    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(contentsOf: [110, 117, 108, 108])
        case let .bool(b): out.append(contentsOf: b ? [116, 114, 117, 101] : [102, 97, 108, 115, 101])
        case let .number(n): out.append(contentsOf: n.text.utf8)
        case let .string(s): writeString(s, into: &out)
        case let .array(a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(v, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(o):
            out.append(UInt8(ascii: "{"))
            for (i, e) in o.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(e.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(e.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Writes a string with only the escapes JSON requires (quote, backslash, controls).
    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x0A: out.append(contentsOf: [92, 110])
            case 0x0D: out.append(contentsOf: [92, 114])
            case 0x09: out.append(contentsOf: [92, 116])
            case 0x08: out.append(contentsOf: [92, 98])
            case 0x0C: out.append(contentsOf: [92, 102])
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, 117, 48, 48, hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
