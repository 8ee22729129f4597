import AirlockCore

/// A vendor's OpenAPI 3.0/3.1 document compiled for response checking: every operation's
/// responses, per status and media type, with their schemas compiled once in one session.
///
/// Lookup follows the OpenAPI rules a reader of the document expects: concrete path segments
/// before templated ones (`/v1/charges/search` before `/v1/charges/{charge}`), then the
/// response by exact status, then its `2XX` class, then `default`; the media type by exact
/// type, then `type/*`, then `*/*`.
public struct OpenAPIDocument: Sendable {
    /// What the document says about one response.
    public enum Lookup: Sendable {
        /// No path template matches the path (or the method is not an operation of it).
        case noOperation
        /// The operation exists but declares neither this status, its class, nor `default`.
        case statusNotDeclared(operation: String, declared: [String])
        /// The status is declared, but not with this media type.
        case mediaTypeNotDeclared(operation: String, status: String, declared: [String])
        /// The status is declared without content: the body must be empty.
        case noContent(operation: String, status: String)
        /// The schema for the body (nil: the media type has no schema, any well-formed body passes).
        case schema(CompiledSchema?, operation: String, status: String, mediaType: String)
    }

    struct MediaType: Sendable {
        let name: String                // lower case, no parameters
        let schema: CompiledSchema?
    }

    struct Response: Sendable {
        let key: String                 // "200", "2XX", "default"
        let media: [MediaType]          // empty: no content
    }

    struct Operation: Sendable {
        let name: String                // "GET /v1/charges/{charge}"
        let responses: [Response]
    }

    enum Segment: Sendable, Equatable {
        case literal(String)
        /// Literal pieces around `{params}`: `["", ".json"]` for `{file}.json`.
        case template([String])
    }

    struct PathEntry: Sendable {
        let template: String
        let segments: [Segment]
        let operations: [String: Operation]   // by upper-case method
    }

    /// Templates grouped by segment count, most specific first within a group.
    let byLength: [Int: [PathEntry]]
    /// The path of `servers[0].url` without trailing slash (`""` when none).
    public let serverBasePath: String
    /// How many operations the document declares.
    public let operationCount: Int
    /// How many response schemas were compiled.
    public let schemaCount: Int
    /// Whether some response schema has a `pattern` that runs on the backtracking engine.
    public let usesRegexFallback: Bool

    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// Compiles the document registered in `registry` at `uri` (a file URL without fragment).
    public init(uri: String, registry: SchemaRegistry, refusingBacktrackingPatterns: Bool = false) throws(SchemaError) {
        guard let document = registry.documents[uri] else {
            throw SchemaError(message: "document not loaded", location: uri)
        }
        guard let draft = SchemaDraft.forOpenAPIDocument(document) else {
            throw SchemaError(message: "not an OpenAPI 3.0 or 3.1 document (no \"openapi\": \"3.x\" field)", location: uri)
        }
        guard case .object(let paths)? = document["paths"] else {
            throw SchemaError(message: "the document has no \"paths\" object", location: uri + "#/paths")
        }
        let set = SchemaSet(registry: registry, defaultDraft: draft, refusingBacktrackingPatterns: refusingBacktrackingPatterns)
        var groups: [Int: [PathEntry]] = [:]
        var operations = 0
        var schemas = 0
        var fallback = false
        for (template, item) in paths {
            let itemPointer = "/paths/" + JSONPointer.escape(template)
            guard template.hasPrefix("/") else {
                throw SchemaError(message: "path template must start with \"/\"", location: uri + "#" + itemPointer)
            }
            let (resolvedItem, itemBase) = try Self.follow(item, pointer: itemPointer, document: document, uri: uri)
            var ops: [String: Operation] = [:]
            for method in Self.methods {
                guard let op = resolvedItem[method] else { continue }
                let opPointer = itemBase + "/" + method
                let name = method.uppercased() + " " + template
                guard case .object(let responses)? = op["responses"] else {
                    throw SchemaError(message: "operation has no \"responses\" object", location: uri + "#" + opPointer)
                }
                var list: [Response] = []
                for (key, response) in responses {
                    let upper = key.uppercased()
                    guard upper == "DEFAULT" || HTTPText.statusRange(upper) != nil else {
                        throw SchemaError(message: "response key \"\(key)\" is not a status, a class like 2XX, or default",
                                          location: uri + "#" + opPointer + "/responses")
                    }
                    let (resolved, base) = try Self.follow(response, pointer: opPointer + "/responses/" + JSONPointer.escape(key),
                                                           document: document, uri: uri)
                    var media: [MediaType] = []
                    if case .object(let content)? = resolved["content"] {
                        for (type, object) in content {
                            let typeName = type.split(separator: ";").first.map { $0.trimmingSpaces().lowercased() } ?? ""
                            var schema: CompiledSchema?
                            if object["schema"] != nil {
                                let pointer = base + "/content/" + JSONPointer.escape(type) + "/schema"
                                let compiled = try set.compile(uri: uri + "#" + Self.fragmentEscape(pointer))
                                schema = compiled
                                fallback = fallback || compiled.usesRegexFallback
                                schemas += 1
                            }
                            media.append(MediaType(name: typeName, schema: schema))
                        }
                    }
                    list.append(Response(key: upper == "DEFAULT" ? "default" : upper, media: media))
                }
                ops[method.uppercased()] = Operation(name: name, responses: list)
                operations += 1
            }
            let segments = Self.segments(template)
            groups[segments.count, default: []].append(PathEntry(template: template, segments: segments, operations: ops))
        }
        for key in groups.keys {
            groups[key]!.sort { Self.moreSpecific($0.segments, $1.segments) }
        }
        byLength = groups
        var base = ""
        if case .array(let servers)? = document["servers"], let first = servers.first?["url"]?.stringValue {
            base = Self.pathOf(serverURL: first)
        }
        serverBasePath = base
        operationCount = operations
        schemaCount = schemas
        usesRegexFallback = fallback
    }

    /// What the document declares for `method path` answered with `status` and `mediaType`.
    /// `path` is below the upstream's base path; the server URL's own base path is removed if present.
    public func lookup(method: String, path: String, status: Int, mediaType: String?) -> Lookup {
        var path = path
        if !serverBasePath.isEmpty, path == serverBasePath || path.hasPrefix(serverBasePath + "/") {
            path = String(path.dropFirst(serverBasePath.count))
            if path.isEmpty { path = "/" }
        }
        guard let entry = match(path) else { return .noOperation }
        guard let operation = entry.operations[method] ?? (method == "HEAD" ? entry.operations["GET"] : nil) else {
            return .noOperation
        }
        let exact = String(status)
        let klass = "\(status / 100)XX"
        guard let response = operation.responses.first(where: { $0.key == exact })
                ?? operation.responses.first(where: { $0.key == klass })
                ?? operation.responses.first(where: { $0.key == "default" }) else {
            return .statusNotDeclared(operation: operation.name, declared: operation.responses.map(\.key))
        }
        if response.media.isEmpty { return .noContent(operation: operation.name, status: response.key) }
        let type = mediaType ?? ""
        let major = type.split(separator: "/").first.map(String.init) ?? ""
        guard let media = response.media.first(where: { $0.name == type })
                ?? response.media.first(where: { $0.name == major + "/*" })
                ?? response.media.first(where: { $0.name == "*/*" }) else {
            return .mediaTypeNotDeclared(operation: operation.name, status: response.key, declared: response.media.map(\.name))
        }
        return .schema(media.schema, operation: operation.name, status: response.key, mediaType: media.name)
    }

    func match(_ path: String) -> PathEntry? {
        let parts = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard let candidates = byLength[parts.count] else { return nil }
        return candidates.first { entry in
            zip(entry.segments, parts).allSatisfy { Self.segment($0, matches: $1) }
        }
    }

    static func segment(_ segment: Segment, matches part: Substring) -> Bool {
        switch segment {
        case .literal(let text):
            return part == text
        case .template(let pieces):
            // Each `{param}` between the pieces must take at least one character.
            guard let first = pieces.first, let last = pieces.last, part.hasPrefix(first) else { return false }
            var rest = part.dropFirst(first.count)
            guard rest.hasSuffix(last), rest.count >= last.count + (pieces.count - 1) else { return false }
            rest = rest.dropLast(last.count)
            for piece in pieces.dropFirst().dropLast() {
                guard rest.count > 1, let range = rest.dropFirst().firstRange(of: piece) else { return false }
                rest = rest[range.upperBound...]
            }
            return !rest.isEmpty
        }
    }

    static func segments(_ template: String) -> [Segment] {
        template.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map { part in
            guard part.contains("{") else { return .literal(String(part)) }
            var pieces: [String] = []
            var current = ""
            var inParam = false
            for ch in part {
                if ch == "{" { pieces.append(current); current = ""; inParam = true } else if ch == "}" { inParam = false } else if !inParam { current.append(ch) }
            }
            pieces.append(current)
            return .template(pieces)
        }
    }

    /// Concrete segments win over templated ones, from the left.
    static func moreSpecific(_ a: [Segment], _ b: [Segment]) -> Bool {
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case (.literal, .template): return true
            case (.template, .literal): return false
            case (.template(let p), .template(let q)):
                let lp = p.joined().count, lq = q.joined().count
                if lp != lq { return lp > lq }
            default: continue
            }
        }
        return false
    }

    /// Follows a local `$ref` chain (`#/components/responses/x`) to the object and its pointer.
    static func follow(_ value: JSONValue, pointer: String, document: JSONValue, uri: String) throws(SchemaError) -> (JSONValue, String) {
        var value = value
        var pointer = pointer
        for _ in 0..<32 {
            guard let ref = value["$ref"]?.stringValue else { return (value, pointer) }
            guard ref.hasPrefix("#") else {
                throw SchemaError(message: "only local references (#/components/...) are supported for responses and path items, not \"\(ref)\"",
                                  location: uri + "#" + pointer)
            }
            let target = JSONPointer.percentDecode(String(ref.dropFirst()))
            guard let next = JSONPointer.resolve(target, in: document) else {
                throw SchemaError(message: "unresolvable $ref \"\(ref)\"", location: uri + "#" + pointer + "/$ref")
            }
            value = next
            pointer = target
        }
        throw SchemaError(message: "$ref chain too long or circular", location: uri + "#" + pointer)
    }

    /// Percent-encodes what a URI fragment cannot hold raw (`{`, `}`, `%`, spaces...).
    public static func fragmentEscape(_ pointer: String) -> String {
        var out = ""
        for byte in pointer.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80, c.isLetter || c.isNumber || "/-._~!$&'()*+,;=:@".contains(c) {
                out.append(c)
            } else {
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }

    static func pathOf(serverURL: String) -> String {
        var rest = Substring(serverURL)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...]; rest = rest.drop { $0 != "/" } }
        var path = String(rest.prefix { $0 != "?" && $0 != "#" })
        while path.hasSuffix("/") { path.removeLast() }
        return path.contains("{") ? "" : path
    }
}
