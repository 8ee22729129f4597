import AirlockCore

/// JSON Lines serialization, written by hand: one event per line, fields in PRODUCT.md order.
///
/// Hand-written because it runs for every call and Foundation's encoders are slow here
/// (INTEROP.md); the escaping follows RFC 8259 §7 so any string, hostile or not, stays one line.
extension AuditEvent {
    /// The event as one line of JSON, with a trailing newline.
    public func jsonLine() -> String {
        var bytes: [UInt8] = []
        appendJSONLine(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the event as one line of JSON (UTF-8, trailing newline) to `out`.
    public func appendJSONLine(to out: inout [UInt8]) {
        out.reserveCapacity(out.count + 384)
        out.append(UInt8(ascii: "{"))
        field(&out, "\"time\":", quoted: Self.rfc3339(time))
        field(&out, ",\"request_id\":", quoted: requestID)
        field(&out, ",\"client\":", quoted: client)
        field(&out, ",\"client_address\":", quoted: clientAddress)
        field(&out, ",\"mode\":", quoted: mode)
        field(&out, ",\"method\":", quoted: method)
        field(&out, ",\"url\":", quoted: url)
        field(&out, ",\"upstream\":", quoted: upstream)
        field(&out, ",\"host\":", quoted: host)
        field(&out, ",\"port\":", raw: port.map(String.init))
        field(&out, ",\"address\":", quoted: address)
        field(&out, ",\"decision\":", quoted: decision)
        field(&out, ",\"reason\":", quoted: reason)
        field(&out, ",\"detail\":", quoted: detail)
        if let rule { field(&out, ",\"rule\":", quoted: rule) }
        if let location { field(&out, ",\"location\":", quoted: location) }
        if let keyword { field(&out, ",\"keyword\":", quoted: keyword) }
        field(&out, ",\"status\":", raw: String(status))
        field(&out, ",\"upstream_status\":", raw: upstreamStatus.map(String.init))
        field(&out, ",\"bytes_in\":", raw: String(bytesIn))
        field(&out, ",\"bytes_out\":", raw: String(bytesOut))
        // Rounded to microseconds; a value no measurement gives (a hostile log line read back by
        // `airlock audit --json`: 1e300, NaN) is written as 0 rather than trapping the conversion.
        let micros = Int(exactly: (durationMs * 1000).rounded()) ?? 0
        field(&out, ",\"duration_ms\":", raw: String(Double(micros) / 1000))
        out.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "\n")])
    }

    private func field(_ out: inout [UInt8], _ key: StaticString, quoted value: String?) {
        append(&out, key)
        if let value { JSONString.append(&out, value) } else { out.append(contentsOf: [0x6e, 0x75, 0x6c, 0x6c]) }
    }

    private func field(_ out: inout [UInt8], _ key: StaticString, raw value: String?) {
        append(&out, key)
        if let value { out.append(contentsOf: value.utf8) } else { out.append(contentsOf: [0x6e, 0x75, 0x6c, 0x6c]) }
    }

    private func append(_ out: inout [UInt8], _ key: StaticString) {
        key.withUTF8Buffer { out.append(contentsOf: $0) }
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
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func pad(_ v: Int64, _ width: Int) {
            var digits: [UInt8] = []
            var n = v
            repeat {
                digits.append(UInt8(ascii: "0") + UInt8(n % 10))
                n /= 10
            } while n > 0
            for _ in digits.count..<max(width, digits.count) { out.append(UInt8(ascii: "0")) }
            out.append(contentsOf: digits.reversed())
        }
        let h = msOfDay / 3_600_000, m = msOfDay / 60_000 % 60, s = msOfDay / 1000 % 60, ms = msOfDay % 1000
        pad(year, 4); out.append(UInt8(ascii: "-")); pad(month, 2); out.append(UInt8(ascii: "-")); pad(day, 2)
        out.append(UInt8(ascii: "T")); pad(h, 2); out.append(UInt8(ascii: ":")); pad(m, 2); out.append(UInt8(ascii: ":"))
        pad(s, 2); out.append(UInt8(ascii: ".")); pad(ms, 3); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }
}
