import AirlockCore

/// JSON Lines serialization, written by hand: one event per line, fields in PRODUCT.md order.
///
/// Hand-written because it runs for every call and Foundation's encoders are slow here
/// (INTEROP.md); the escaping follows RFC 8259 §7 so any string, hostile or not, stays one line.
extension AuditEvent {
    /// The event as one line of JSON, with a trailing newline.
    public func jsonLine() -> String {
        var out = "{"
        out.reserveCapacity(320)
        field(&out, "time", quoted: Self.rfc3339(time), first: true)
        field(&out, "request_id", quoted: requestID)
        field(&out, "client", quoted: client)
        field(&out, "mode", quoted: mode)
        field(&out, "method", quoted: method)
        field(&out, "url", quoted: url)
        field(&out, "upstream", quoted: upstream)
        field(&out, "host", quoted: host)
        field(&out, "port", raw: port.map(String.init))
        field(&out, "address", quoted: address)
        field(&out, "decision", quoted: decision)
        field(&out, "reason", quoted: reason)
        field(&out, "detail", quoted: detail)
        field(&out, "status", raw: String(status))
        field(&out, "upstream_status", raw: upstreamStatus.map(String.init))
        field(&out, "bytes_in", raw: String(bytesIn))
        field(&out, "bytes_out", raw: String(bytesOut))
        field(&out, "duration_ms", raw: String(Double(Int((durationMs * 1000).rounded())) / 1000))
        out += "}\n"
        return out
    }

    private func field(_ out: inout String, _ name: String, quoted value: String?, first: Bool = false) {
        if !first { out += "," }
        out += "\"\(name)\":"
        if let value { JSONString.append(&out, value) } else { out += "null" }
    }

    private func field(_ out: inout String, _ name: String, raw value: String?) {
        out += ",\"\(name)\":"
        out += value ?? "null"
    }

    /// RFC 3339 UTC timestamp with milliseconds, computed without a DateFormatter.
    public static func rfc3339(_ seconds: Double) -> String {
        let totalMs = Int64((seconds * 1000).rounded(.down))
        var days = totalMs / 86_400_000
        var msOfDay = totalMs % 86_400_000
        if msOfDay < 0 { msOfDay += 86_400_000; days -= 1 }
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let h = msOfDay / 3_600_000, m = msOfDay / 60_000 % 60, s = msOfDay / 1000 % 60, ms = msOfDay % 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(h, 2)):\(pad(m, 2)):\(pad(s, 2)).\(pad(ms, 3))Z"
    }
}
