/// Keeps secrets out of the audit log.
///
/// API keys travel in query strings more often than anyone admits (`?api_key=`), so the
/// log keeps each query parameter's name and replaces every value (a bare `?token` whole).
public enum Redaction {
    /// The marker written in place of a redacted value.
    public static let marker = "REDACTED"

    /// `url` with every query value replaced by `REDACTED` and any fragment dropped.
    public static func url(_ url: String) -> String {
        // Most calls carry neither: one byte scan, and the string is kept as it is.
        guard url.utf8.contains(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) else { return url }
        var text = Substring(url)
        if let hash = text.firstIndex(of: "#") { text = text[..<hash] }
        guard let q = text.firstIndex(of: "?") else { return String(text) }
        let query = text[text.index(after: q)...]
        let redacted = query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            guard let eq = pair.firstIndex(of: "=") else { return pair.isEmpty ? "" : marker }
            return pair[..<eq] + "=" + marker
        }
        return text[...q] + redacted.joined(separator: "&")
    }
}
