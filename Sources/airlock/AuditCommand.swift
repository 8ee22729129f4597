import AirlockAudit
import AirlockPolicy
import ArgumentParser
import Foundation

extension Airlock {
    /// `airlock audit`: reads the audit log, as a table for people or JSON Lines for scripts.
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Query the audit log.",
            discussion: "The log is the policy's audit.file (with --policy), --file, or .airlock/audit.jsonl.")

        @Option(name: .long, help: "Read the audit file named by this policy.")
        var policy: String?

        @Option(name: .long, help: "The audit log file.")
        var file: String?

        @Option(name: .long, help: "Only events newer than this (30s, 15m, 1h, 2d) or since an RFC 3339 time.")
        var since: String?

        @Option(name: .long, help: "Only this decision: allow, deny or report.")
        var decision: String?

        @Option(name: .long, help: "Only this upstream.")
        var upstream: String?

        @Option(name: .long, help: "Only this reason code.")
        var reason: String?

        @Option(name: .long, help: "Only this client: its policy name or the address it connected from.")
        var client: String?

        @Flag(name: .long, help: "Print matching events as JSON Lines.")
        var json = false

        func validate() throws {
            if let decision, !["allow", "deny", "report"].contains(decision) {
                throw ValidationError("--decision must be allow, deny or report")
            }
            if let since, sinceTime(since) == nil {
                throw ValidationError("--since must be a duration like 30s, 15m, 1h, 2d or an RFC 3339 time")
            }
        }

        func run() async throws {
            let path: String
            if let file {
                path = file
            } else if let policy {
                path = try loadPolicy(policy).auditFile
            } else {
                path = ".airlock/audit.jsonl"
            }
            let filter = AuditReader.Filter(since: since.flatMap(sinceTime), decision: decision, upstream: upstream, reason: reason, client: client)
            let reader: AuditReader
            do {
                reader = try AuditReader(path: path, filter: filter)
            } catch {
                printError("airlock: \(error)")
                throw ExitCode(1)
            }
            if json {
                for event in reader.events { print(event.jsonLine(), terminator: "") }
            } else {
                print(AuditTable.render(reader.events), terminator: "")
                if reader.skippedLines > 0 { printError("airlock: skipped \(reader.skippedLines) unreadable line(s)") }
            }
        }

        func sinceTime(_ text: String) -> Double? {
            if let parsed = AuditReader.parseRFC3339(text) { return parsed }
            var ms: Int?
            if text.hasSuffix("d"), let days = Int(text.dropLast()) {
                let (product, overflow) = days.multipliedReportingOverflow(by: 86_400_000)
                ms = overflow ? nil : product
            } else {
                ms = Quantity.milliseconds(text)
            }
            return ms.map { Date().timeIntervalSince1970 - Double($0) / 1000 }
        }
    }
}

/// A fixed-width table of audit events for people.
///
/// Fields can hold what a third party wrote (a JSON key in a violation's location, a header value
/// in a detail), so every cell is made safe for a terminal first: control characters (C0, DEL,
/// C1, including ESC and CSI, which a terminal would obey) and bidirectional overrides (which
/// reorder what is shown) are written as `\u{…}` escapes.
enum AuditTable {
    static func render(_ events: [AuditEvent]) -> String {
        render(safe: events.map(Self.shown))
    }

    /// `event` with every text field that reaches the table made terminal-safe.
    static func shown(_ event: AuditEvent) -> AuditEvent {
        var e = event
        e.detail = e.detail.map(printable)
        e.location = e.location.map(printable)
        e.rule = e.rule.map(printable)
        e.reason = e.reason.map(printable)
        e.upstream = e.upstream.map(printable)
        e.address = e.address.map(printable)
        e.decision = printable(e.decision)
        e.client = printable(e.client)
        e.method = printable(e.method)
        e.url = printable(e.url)
        return e
    }

    /// `text` with control characters and bidirectional formatting characters escaped.
    static func printable(_ text: String) -> String {
        func unsafe(_ s: Unicode.Scalar) -> Bool {
            s.value < 0x20 || (0x7f...0x9f).contains(s.value) || (0x200e...0x200f).contains(s.value)
                || (0x202a...0x202e).contains(s.value) || (0x2066...0x2069).contains(s.value)
        }
        guard text.unicodeScalars.contains(where: unsafe) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if unsafe(scalar) { out += "\\u{" + String(scalar.value, radix: 16) + "}" } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    private static func render(safe events: [AuditEvent]) -> String {
        let header = ["TIME", "DECISION", "STATUS", "REASON", "UPSTREAM", "CLIENT", "METHOD", "URL", "ADDRESS"]
        var rows = [header]
        var details: [Int: String] = [:]
        for e in events {
            if e.decision != "allow" || e.rule != nil, let detail = e.detail ?? e.location {
                var text = detail
                if let rule = e.rule { text = "\(rule): " + text }
                details[rows.count] = text.count > 160 ? String(text.prefix(159)) + "…" : text
            }
            rows.append([
                AuditEvent.rfc3339(e.time), e.decision, String(e.status), e.reason ?? "-", e.upstream ?? "-",
                e.client, e.method, e.url.count > 70 ? String(e.url.prefix(69)) + "…" : e.url, e.address ?? "-",
            ])
        }
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for (index, row) in rows.enumerated() {
            let cells = row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            out += cells.joined(separator: "  ") + "\n"
            if let detail = details[index] { out += "    ↳ \(detail)\n" }
        }
        out += "\(events.count) event(s)\n"
        return out
    }
}
