import AirlockCore
import AirlockJSON
import AirlockPolicy
import AirlockXML

/// A response as it reaches the firewall: body complete and already decoded (see `decoded`).
public struct InspectedResponse: Sendable {
    /// The upstream whose rules apply (the last hop's, after redirects).
    public var upstream: Upstream
    /// The method sent.
    public var method: String
    /// The path below the upstream's base path.
    public var subpath: String
    /// The upstream's status.
    public var status: Int
    /// Response header fields (hop-by-hop already removed).
    public var headers: [(name: String, value: String)]
    /// The body, decoded if it was compressed.
    public var body: [UInt8]

    /// Creates the input of `ResponseFirewall.inspect`.
    public init(upstream: Upstream, method: String, subpath: String, status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.upstream = upstream
        self.method = method
        self.subpath = subpath
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// What the firewall decided about one response.
public struct ResponseVerdict: Sendable {
    /// Hand over, hand over but audit as `report`, or refuse with 502.
    public enum Decision: Sendable, Equatable { case pass, report, deny }

    /// The decision.
    public var decision: Decision
    /// For `report` and `deny`: the reason code and detail; for a `strip` pass, what was stripped.
    public var denial: Denial?
    /// The rule that decided (`upstream.responses[i]`), nil when no rule matched.
    public var rule: String?
    /// JSON Pointer or XML node path of the failure.
    public var location: String?
    /// The failing keyword or check.
    public var keyword: String?
    /// The body to hand over instead of the upstream's (re-serialized or stripped); nil: unchanged.
    public var body: [UInt8]?
    /// A note for the audit log on a passing response (e.g. what `on_violation: strip` removed).
    public var note: String?

    static let untouched = ResponseVerdict(decision: .pass)

    init(decision: Decision, denial: Denial? = nil, rule: String? = nil, location: String? = nil, keyword: String? = nil,
         body: [UInt8]? = nil, note: String? = nil) {
        self.decision = decision
        self.denial = denial
        self.rule = rule
        self.location = location
        self.keyword = keyword
        self.body = body
        self.note = note
    }
}

extension ResponseFirewall {
    /// Whether a response of this upstream may be checked on an event loop when it is small: not when one
    /// of its schemas has a `pattern` only the backtracking engine runs (its time is harder to bound).
    public func checksInline(upstream: String) -> Bool {
        !offloaded.contains(upstream)
    }

    /// Checks one response against its upstream's rules: first matching rule decides.
    /// Pure and thread-safe; never throws, never crashes on any body.
    public func inspect(_ response: InspectedResponse) -> ResponseVerdict {
        let upstream = response.upstream
        guard let rule = rules[upstream.name]?.first(where: {
            $0.rule.matches(method: response.method, subpath: response.subpath, status: response.status)
        }) else {
            guard upstream.unmatched == .block else { return .untouched }
            let denial = Denial(.statusNotAllowed, "no responses rule of upstream '\(upstream.name)' matches \(response.method) \(response.subpath) answered \(response.status) (unmatched: block)")
            return ResponseVerdict(decision: upstream.mode == .report ? .report : .deny, denial: denial, keyword: "unmatched")
        }
        var run = Run(rule: rule, response: response)
        return run.evaluate()
    }

    /// One rule applied to one response.
    struct Run {
        let rule: CompiledRule
        let response: InspectedResponse

        var id: String { rule.rule.id }

        /// A violation: blocked, or reported when the rule or the upstream says `report`.
        func violation(_ reason: Reason, _ detail: String, location: String? = nil, keyword: String? = nil) -> ResponseVerdict {
            let report = rule.rule.onViolation == .report || response.upstream.mode == .report
            return ResponseVerdict(decision: report ? .report : .deny, denial: Denial(reason, detail), rule: id,
                                   location: location, keyword: keyword)
        }

        func pass(body: [UInt8]?, note: String? = nil, location: String? = nil, keyword: String? = nil) -> ResponseVerdict {
            ResponseVerdict(decision: .pass, rule: id, location: location, keyword: keyword, body: body, note: note)
        }

        var hasNoBody: Bool {
            response.method == "HEAD" || response.status == 204 || response.status == 304 || (100...199).contains(response.status)
        }

        mutating func evaluate() -> ResponseVerdict {
            // One pass over the header fields for the two this check reads.
            var header: String?
            var contentTypeCount = 0
            var encoding: String?
            for field in response.headers {
                switch field.name.lowercased() {
                case "content-type": header = header ?? field.value; contentTypeCount += 1
                case "content-encoding": encoding = encoding ?? field.value
                default: break
                }
            }
            if contentTypeCount > 1 {
                // Clients disagree on which of two labels wins; the body is checked against one only.
                return violation(.contentTypeMismatch, "the response carries \(contentTypeCount) Content-Type fields", keyword: "content_type")
            }
            let mediaType = header.flatMap(MediaType.init)
            if let encoding, encoding.lowercased().trimmingSpaces() != "identity", !hasNoBody {
                return violation(.contentEncodingRefused, "Content-Encoding \(encoding) was not decoded; the body cannot be inspected", keyword: "content_encoding")
            }

            // 1. The schema source decides which families and media types are acceptable.
            var schema: CompiledSchema?
            var xsd: XMLDocumentValidator?
            var expected: MediaType.Family?
            switch rule.check {
            case .none:
                break
            case .json(let s):
                schema = s
                expected = .json
            case .xsd(let v):
                xsd = v
                expected = .xml
            case .openapi(let document):
                switch document.lookup(method: response.method, path: response.subpath, status: response.status, mediaType: mediaType?.name) {
                case .noOperation:
                    return violation(.statusNotAllowed, "\(response.method) \(response.subpath) is not an operation of the OpenAPI document", keyword: "paths")
                case .statusNotDeclared(let operation, let declared):
                    return violation(.statusNotAllowed, "\(operation) answered \(response.status); the OpenAPI document declares \(declared.joined(separator: ", "))", keyword: "responses")
                case .noContent(let operation, let status):
                    if hasNoBody || response.body.isEmpty { return pass(body: nil) }
                    return violation(.contentTypeMismatch, "\(operation) \(status) declares no content, but the upstream sent \(response.body.count) bytes", keyword: "content")
                case .mediaTypeNotDeclared(let operation, let status, let declared):
                    if hasNoBody { return pass(body: nil) }
                    return violation(.contentTypeMismatch, "\(operation) \(status) declares \(declared.joined(separator: ", ")), not \(header ?? "no Content-Type")", keyword: "content")
                case .schema(let s, let operation, let status, let declared):
                    schema = s
                    expected = mediaType?.family
                    // A schema declared for `*/*` or `type/*` still has to be checked: a body whose label
                    // names no JSON or XML type (or no label at all) cannot be, so it is refused.
                    if s != nil, !hasNoBody, expected != .json, expected != .xml {
                        return violation(.contentTypeMismatch, "\(operation) \(status) has a schema for \(declared), but the response is labelled \(header ?? "nothing"), which is neither JSON nor XML", keyword: "content")
                    }
                }
            }
            if hasNoBody { return pass(body: nil) }

            // 2. Content type before any parsing: declared, expected, and honest about the body.
            if let patterns = rule.rule.contentTypes {
                guard let mediaType, patterns.contains(where: mediaType.matches) else {
                    return violation(.contentTypeMismatch, "Content-Type \(header ?? "(none)") is not \(patterns.joined(separator: " or "))", keyword: "content_type")
                }
                if expected == nil { expected = mediaType.family }
            }
            guard let family = expected, family != .other else {
                return pass(body: nil)
            }
            guard let mediaType else {
                return violation(.contentTypeMismatch, "the response has no Content-Type; expected \(family == .json ? "JSON" : "XML")", keyword: "content_type")
            }
            guard mediaType.family == family else {
                return violation(.contentTypeMismatch, "Content-Type \(mediaType.name) is not \(family == .json ? "a JSON" : "an XML") media type", keyword: "content_type")
            }
            if let charset = mediaType.charset, charset != "utf-8", charset != "utf8" {
                return violation(.contentTypeMismatch, "charset \(charset) is not supported; \(family == .json ? "JSON" : "XML") responses must be UTF-8", keyword: "charset")
            }
            if let first = Self.firstSignificantByte(response.body) {
                if family == .json, first == UInt8(ascii: "<") {
                    return violation(.contentTypeMismatch, "labelled \(mediaType.name), but the body is markup (starts with '<')", keyword: "content_type")
                }
                if family == .xml, first != UInt8(ascii: "<") {
                    return violation(.contentTypeMismatch, "labelled \(mediaType.name), but the body does not start with '<'", keyword: "content_type")
                }
            }

            // 3. Parse under the threat limits, validate, sanitize.
            return family == .json ? json(schema) : xml(xsd)
        }

        func json(_ schema: CompiledSchema?) -> ResponseVerdict {
            var limits = JSONParser.Limits.default
            limits.maxBytes = response.upstream.limits.responseBytes
            // Beyond what any API sends and IEEE doubles hold: exact arithmetic on such numbers is a DoS lever.
            limits.maxNumberLength = 100
            limits.maxNumberExponent = 400
            let tape: JSONTape
            do {
                tape = try JSONParser(limits: limits).parseTape(response.body)
            } catch {
                let (reason, keyword) = Self.classify(error.kind)
                return violation(reason, "\(error)", location: "line \(error.line), column \(error.column)", keyword: keyword)
            }
            guard let schema else {
                return pass(body: canonical(tape))
            }
            // strip (on_violation) and strip_unknown (sanitize) both hand over only what the schema declares;
            // `strip` validates what is left, so an undeclared property can never be the reason for a block.
            let stripping = rule.rule.sanitize == .stripUnknown || (rule.rule.onViolation == .strip && response.upstream.mode == .enforce)
            var removedPointers: [String] = []
            var removedCount = 0
            // Strip first, then validate what will actually be handed over. The document is validated on its
            // tape; a tree is built only when stripping removed something (it is then what is handed over).
            var candidate = tape
            var stripped: JSONValue?
            if stripping {
                guard let kept = Sanitizer(schema: schema).stripUnknown(tape, removedPointers: &removedPointers, removedCount: &removedCount) else {
                    // Which properties are declared depends on branches the budget did not let it decide.
                    return violation(.jsonLimitExceeded, "/: deciding which properties the schema declares needed more schema evaluations than the validation budget allows, so the document is refused",
                                     location: "/", keyword: Violation.budgetKeyword)
                }
                if removedCount > 0 {
                    stripped = kept
                    candidate = JSONTape(kept)
                }
            }
            if schema.isValid(candidate) {
                let note = removedCount == 0 ? nil
                    : "removed \(removedCount) undeclared propert\(removedCount == 1 ? "y" : "ies") (\(rule.rule.onViolation == .strip ? "on_violation strip" : "sanitize strip_unknown")): \(removedPointers.joined(separator: ", "))\(removedCount > removedPointers.count ? ", …" : "")"
                return pass(body: stripped.map { JSONSerializer.serialize($0, reservingCapacity: response.body.count) } ?? canonical(tape), note: note,
                            location: removedPointers.first, keyword: removedCount == 0 ? nil : "strip_unknown")
            }
            let first = schema.validate(candidate).violations.first
            let location = first?.instanceLocation ?? ""
            let keyword = first.map { Self.keyword(of: $0.keywordLocation) } ?? "schema"
            let detail = "\(location.isEmpty ? "/" : location): \(first?.message ?? "does not match the schema") (at \(first?.keywordLocation ?? "#"))"
            if keyword == Violation.budgetKeyword {
                return violation(.jsonLimitExceeded, detail, location: location.isEmpty ? "/" : location, keyword: keyword)
            }
            if removedCount > 0 {
                return violation(.schemaViolation, "still invalid after stripping undeclared properties: " + detail,
                                 location: location.isEmpty ? "/" : location, keyword: keyword)
            }
            return violation(.schemaViolation, detail, location: location.isEmpty ? "/" : location, keyword: keyword)
        }

        /// The canonical serialization of the parsed body; nil when the upstream's bytes already are exactly
        /// that (no whitespace between tokens, no escape in any string: the serializer would write the same
        /// bytes back, since numbers keep their text and keys their order), which saves the copy.
        func canonical(_ tape: JSONTape) -> [UInt8]? {
            tape.canonical ? nil : JSONSerializer.serialize(tape.value, reservingCapacity: response.body.count)
        }

        func xml(_ validator: XMLDocumentValidator?) -> ResponseVerdict {
            var limits = XMLLimits()
            limits.maxBytes = response.upstream.limits.responseBytes
            let configuration = XMLDocumentParser.Configuration(limits: limits)
            guard let validator else {
                do {
                    return pass(body: try XMLDocumentParser(configuration: configuration).parse(response.body).sanitized())
                } catch {
                    return xmlViolation(error)
                }
            }
            switch XMLDocumentValidator(schema: validator.schema, configuration: configuration).validate(bytes: response.body) {
            case .valid(let sanitized):
                return pass(body: sanitized)
            case .invalid(let violations):
                let v = violations.first
                return violation(.schemaViolation, v.map { "\($0.path): \($0.message) (line \($0.line))" } ?? "does not match the XSD",
                                 location: v?.path ?? "/", keyword: "xsd")
            case .malformed(let line, let column, let message):
                return xmlViolation(.malformed(line: line, column: column, message: message))
            case .forbidden(let construct):
                return xmlViolation(.forbiddenConstruct(construct))
            case .limit(let limit):
                return xmlViolation(.limitExceeded(limit))
            }
        }

        func xmlViolation(_ error: XMLError) -> ResponseVerdict {
            switch error {
            case .malformed(let line, let column, let message):
                return violation(.xmlMalformed, "line \(line), column \(column): \(message)", location: "line \(line), column \(column)", keyword: "well_formed")
            case .forbiddenConstruct(let construct):
                return violation(.xmlForbiddenConstruct, "forbidden construct: \(construct)", keyword: construct.description)
            case .limitExceeded(let limit):
                return violation(.xmlLimitExceeded, "limit exceeded: \(limit.rawValue)", keyword: limit.rawValue)
            }
        }

        static func classify(_ kind: JSONParseError.Kind) -> (Reason, String) {
            switch kind {
            case .tooManyBytes: (.jsonLimitExceeded, "bytes")
            case .tooDeep: (.jsonLimitExceeded, "depth")
            case .stringTooLong: (.jsonLimitExceeded, "string_length")
            case .tooManyObjectEntries: (.jsonLimitExceeded, "object_entries")
            case .tooManyArrayItems: (.jsonLimitExceeded, "array_items")
            case .numberTooLarge: (.jsonLimitExceeded, "number")
            case .duplicateKey: (.jsonMalformed, "duplicate_key")
            case .invalidUTF8, .loneSurrogate, .byteOrderMark: (.jsonMalformed, "utf8")
            default: (.jsonMalformed, "syntax")
            }
        }

        /// `#/properties/id/type` → `type`.
        static func keyword(of location: String) -> String {
            let last = location.split(separator: "/").last.map(String.init) ?? "schema"
            return last.hasPrefix("#") ? "schema" : last
        }

        /// The first byte that is not whitespace or a UTF-8 byte order mark.
        static func firstSignificantByte(_ body: [UInt8]) -> UInt8? {
            var i = 0
            if body.count >= 3, body[0] == 0xEF, body[1] == 0xBB, body[2] == 0xBF { i = 3 }
            while i < body.count {
                let b = body[i]
                if b != 0x20, b != 0x09, b != 0x0A, b != 0x0D { return b }
                i += 1
            }
            return nil
        }
    }
}
