/// One `responses:` entry of an upstream: which responses it covers and what they must look like.
///
/// Rules are checked in order and the first whose `match` fits the response decides (OWASP API10:
/// a third party's answer is input like any other). The schema files are only named here; the
/// inspection layer compiles them once at load.
public struct ResponseRule: Sendable {
    /// What happens to a response that breaks the rule.
    public enum Action: String, Sendable, CaseIterable {
        /// 502 with the reason; the body never reaches the client.
        case block
        /// Remove what the schema does not declare; pass the rest if it is then valid, else block.
        case strip
        /// Pass the response unchanged and audit `decision: report` with the violation.
        case report
    }

    /// How a body that passed is re-serialized.
    public enum Sanitize: String, Sendable, CaseIterable {
        /// Canonical re-serialization only (JSON: minimal escapes; XML: no comments, PIs or DOCTYPE).
        case none
        /// Also drop object properties the JSON schema does not declare.
        case stripUnknown = "strip_unknown"
    }

    /// Where the body's shape comes from.
    public enum BodyCheck: Sendable, Equatable {
        /// Only the content checks (type, encoding, well-formedness under the threat limits).
        case none
        /// A JSON Schema (JSON or YAML) or an XSD file, optionally a `#/json/pointer` into a JSON file.
        case schema(file: String, pointer: String?)
        /// A vendor OpenAPI 3.0/3.1 document: operation, status and media type pick the schema.
        case openapi(file: String)

        /// The file named, if any.
        public var file: String? {
            switch self {
            case .none: nil
            case .schema(let file, _), .openapi(let file): file
            }
        }

        /// Whether the schema is an XSD (XML) rather than JSON Schema or OpenAPI.
        public var isXSD: Bool {
            if case .schema(let file, _) = self { return file.lowercased().hasSuffix(".xsd") }
            return false
        }
    }

    /// `upstream.responses[i]`, the name audit events and errors use for this rule.
    public let id: String
    /// Path glob below the upstream's base path (nil: any path).
    public let path: PathPattern?
    /// Methods covered (nil: any).
    public let methods: Set<String>?
    /// Status codes covered, as ranges (`200`, `2XX`); nil: any.
    public let statuses: [ClosedRange<Int>]?
    /// Expected media types, lower case, without parameters (nil: implied by the body check).
    public let contentTypes: [String]?
    /// The schema source.
    public let body: BodyCheck
    /// What a violation does.
    public let onViolation: Action
    /// How a passing body is re-serialized.
    public let sanitize: Sanitize
    /// The policy file and line of the rule, for errors found when its schema is compiled.
    public let file: String
    /// 1-based line of the rule in `file`.
    public let line: Int
    /// 1-based column of the rule in `file`.
    public let column: Int

    /// Creates a validated rule (the loader is the only caller outside tests).
    public init(id: String, path: PathPattern?, methods: Set<String>?, statuses: [ClosedRange<Int>]?, contentTypes: [String]?,
                body: BodyCheck, onViolation: Action, sanitize: Sanitize, file: String, line: Int, column: Int = 0) {
        self.column = column
        self.id = id
        self.path = path
        self.methods = methods
        self.statuses = statuses
        self.contentTypes = contentTypes
        self.body = body
        self.onViolation = onViolation
        self.sanitize = sanitize
        self.file = file
        self.line = line
    }

    /// Whether the rule could apply to a call before its status is known (decides buffering and decoding).
    public func covers(method: String, subpath: String) -> Bool {
        (methods?.contains(method) ?? true) && (path?.matches(subpath) ?? true)
    }

    /// Whether the rule applies to this response.
    public func matches(method: String, subpath: String, status: Int) -> Bool {
        covers(method: method, subpath: subpath) && (statuses?.contains { $0.contains(status) } ?? true)
    }

    /// One line for `airlock check`: what the rule matches and checks.
    public var summary: String {
        var parts: [String] = []
        parts.append("path \(path?.description ?? "any")")
        parts.append("methods \(methods.map { $0.sorted().joined(separator: ",") } ?? "any")")
        parts.append("status \(statuses.map { $0.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound / 100)XX" }.joined(separator: ",") } ?? "any")")
        if let contentTypes { parts.append("content_type \(contentTypes.joined(separator: ","))") }
        switch body {
        case .none: break
        case .schema(let file, let pointer): parts.append("schema \(file)\(pointer.map { "#" + $0 } ?? "")")
        case .openapi(let file): parts.append("openapi \(file)")
        }
        parts.append("on_violation \(onViolation.rawValue)")
        if sanitize != .none { parts.append("sanitize \(sanitize.rawValue)") }
        return parts.joined(separator: " ")
    }
}
