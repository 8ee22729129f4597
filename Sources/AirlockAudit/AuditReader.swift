import Foundation

/// Reads and filters the audit log for `airlock audit`.
///
/// Reading is not on any hot path, so it uses Foundation's JSON parser; lines that do not
/// parse (a torn last line after a power loss) are counted and skipped, never fatal.
public struct AuditReader {
    /// Which events to keep.
    public struct Filter: Sendable {
        /// Keep events at or after this time (seconds since 1970).
        public var since: Double?
        /// Keep only this decision (`allow`, `deny`, `report`).
        public var decision: String?
        /// Keep only this upstream.
        public var upstream: String?
        /// Keep only this reason code.
        public var reason: String?
        /// Keep only this client: its name, or the address it connected from.
        public var client: String?

        /// A filter; nil fields match everything.
        public init(since: Double? = nil, decision: String? = nil, upstream: String? = nil, reason: String? = nil, client: String? = nil) {
            self.client = client
            self.since = since
            self.decision = decision
            self.upstream = upstream
            self.reason = reason
        }

        func keeps(_ e: AuditEvent) -> Bool {
            if let since, e.time < since { return false }
            if let decision, e.decision != decision { return false }
            if let upstream, e.upstream != upstream { return false }
            if let reason, e.reason != reason { return false }
            if let client, e.client != client && e.clientAddress != client { return false }
            return true
        }
    }

    /// The events that passed the filter, in file order.
    public private(set) var events: [AuditEvent] = []
    /// Lines that could not be read as events.
    public private(set) var skippedLines = 0

    /// Reads `path` and applies `filter`.
    public init(path: String, filter: Filter) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuditLogError(message: "cannot read audit log \(path)")
        }
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            guard let event = Self.parse(Data(line)) else {
                skippedLines += 1
                continue
            }
            if filter.keeps(event) { events.append(event) }
        }
    }

    /// Parses one JSON line back into an event.
    public static func parse(_ line: Data) -> AuditEvent? {
        guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
              let timeText = object["time"] as? String, let time = parseRFC3339(timeText),
              let decision = object["decision"] as? String else { return nil }
        func string(_ key: String) -> String? { object[key] as? String }
        func int(_ key: String) -> Int? { (object[key] as? NSNumber)?.intValue }
        return AuditEvent(
            time: time, requestID: string("request_id") ?? "", client: string("client") ?? "", clientAddress: string("client_address"),
            mode: string("mode") ?? "", method: string("method") ?? "", url: string("url") ?? "",
            upstream: string("upstream"), host: string("host"), port: int("port"), address: string("address"),
            decision: decision, reason: string("reason"), detail: string("detail"),
            rule: string("rule"), location: string("location"), keyword: string("keyword"), status: int("status") ?? 0,
            upstreamStatus: int("upstream_status"), bytesIn: int("bytes_in") ?? 0, bytesOut: int("bytes_out") ?? 0,
            durationMs: (object["duration_ms"] as? NSNumber)?.doubleValue ?? 0
        )
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS(.fff)Z` as written by `AuditEvent.rfc3339`.
    public static func parseRFC3339(_ text: String) -> Double? {
        let u = Array(text.utf8)
        guard u.count >= 20, u[4] == 0x2d, u[7] == 0x2d, u[10] == 0x54, u[13] == 0x3a, u[16] == 0x3a, u.last == 0x5a else { return nil }
        func num(_ from: Int, _ len: Int) -> Int64? {
            var v: Int64 = 0
            for i in from..<(from + len) {
                guard u[i] >= 0x30 && u[i] <= 0x39 else { return nil }
                v = v * 10 + Int64(u[i] - 0x30)
            }
            return v
        }
        guard var y = num(0, 4), let m = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2), let s = num(17, 2) else { return nil }
        var ms: Int64 = 0
        if u.count == 24, u[19] == 0x2e, let f = num(20, 3) { ms = f }
        // Howard Hinnant's days_from_civil.
        y -= m <= 2 ? 1 : 0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return Double(days * 86400 + h * 3600 + mi * 60 + s) + Double(ms) / 1000
    }
}
