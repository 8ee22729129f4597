/// JSON string literals (RFC 8259 §7) for the hand-written JSON Airlock emits on hot paths
/// (audit lines, error bodies): any input, hostile or not, stays one well-formed line.
public enum JSONString {
    /// Appends `value` to `out` as a quoted, escaped JSON string.
    public static func append(_ out: inout String, _ value: String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
