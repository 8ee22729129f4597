/// A path allowlist entry: `/v1/charges/*` (one segment), `/v1/**` (any depth), `/files/*.json`.
///
/// Matching works on whole segments of the raw path, after the router has refused
/// dot segments and encoded slashes, so `*` can never be stretched across a `/`; a `*`
/// segment matches a non-empty segment only.
public struct PathPattern: Sendable, Hashable, CustomStringConvertible {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case glob([Substring])   // literal pieces between `*`s
        case any                 // `**`: zero or more whole segments
    }

    let segments: [Segment]
    /// The pattern as written in the policy.
    public let description: String

    /// Parses a pattern; it must start with `/`, and `**` must be a whole segment.
    public init?(_ text: String) {
        guard text.hasPrefix("/"), !text.contains("//"), !text.contains("\\") else { return nil }
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f && $0 != 0x3f && $0 != 0x23 }) else { return nil }
        var parsed: [Segment] = []
        for part in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            if part == "**" {
                if parsed.last == .any { continue }
                parsed.append(.any)
            } else if part.contains("**") {
                return nil
            } else if part == "." || part == ".." {
                return nil
            } else if part.contains("*") {
                parsed.append(.glob(part.split(separator: "*", omittingEmptySubsequences: false)))
            } else {
                parsed.append(.literal(String(part)))
            }
        }
        self.segments = parsed
        self.description = text
    }

    /// Whether `path` (starting with `/`, no query) matches.
    public func matches(_ path: String) -> Bool {
        guard path.hasPrefix("/") else { return false }
        let parts = path.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .map { Substring($0) }
        // reachable[j]: pattern prefix so far can match the first j path segments.
        var reachable = [Bool](repeating: false, count: parts.count + 1)
        reachable[0] = true
        for segment in segments {
            var next = [Bool](repeating: false, count: parts.count + 1)
            switch segment {
            case .any:
                var seen = false
                for j in 0...parts.count {
                    seen = seen || reachable[j]
                    next[j] = seen
                }
            case .literal(let literal):
                for j in 0..<parts.count where reachable[j] && parts[j] == literal { next[j + 1] = true }
            case .glob(let pieces):
                // `*` is one segment, never an empty one: `/*/admin` does not admit `//admin`, which a
                // server that merges slashes serves as `/admin`.
                for j in 0..<parts.count where reachable[j] && !parts[j].isEmpty && Self.glob(pieces, parts[j]) { next[j + 1] = true }
            }
            reachable = next
        }
        return reachable[parts.count]
    }

    /// `*` matching within one segment: first piece is a prefix, last a suffix, the rest in order.
    static func glob(_ pieces: [Substring], _ text: Substring) -> Bool {
        guard let first = pieces.first, let last = pieces.last, pieces.count >= 2 else {
            return pieces.first.map { $0 == text } ?? false
        }
        guard text.hasPrefix(first), text.count >= first.count + last.count else { return false }
        var rest = text.dropFirst(first.count)
        guard rest.hasSuffix(last) else { return false }
        rest = rest.dropLast(last.count)
        for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
            guard let range = rest.firstRange(of: piece) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }
}
