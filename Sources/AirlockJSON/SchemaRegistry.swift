import Foundation

/// Schema documents available for `$ref` resolution, keyed by absolute URI (their `$id` and file URL).
/// Nothing is ever fetched over the network: only registered or disk-loaded documents resolve.
public struct SchemaRegistry: Sendable {
    /// Registered documents by absolute URI without fragment.
    var documents: [String: JSONValue] = [:]

    /// An empty registry that still knows the official meta-schemas.
    public init() {
        for text in Metaschemas.documents {
            if let doc = try? JSONParser(limits: .init(maxDepth: 200)).parse(text) {
                let id = doc["$id"]?.stringValue ?? doc["id"]?.stringValue ?? ""
                register(doc, uri: id)
            }
        }
    }

    /// The document registered at `uri` (absolute, without fragment).
    public func document(at uri: String) -> JSONValue? { documents[uri] }

    /// Adds a document under `uri` (and under its own top-level `$id`/`id`, resolved against `uri`).
    public mutating func register(_ document: JSONValue, uri: String) {
        let base = URIReference(uri).withoutFragment
        documents[base] = document
        for key in ["$id", "id"] {
            if let id = document[key]?.stringValue {
                let abs = URIReference(URIReference.resolve(id, against: base)).withoutFragment
                if !abs.isEmpty && documents[abs] == nil { documents[abs] = document }
            }
        }
    }

    /// Loads one schema file from disk and registers it under its `file://` URL (and `$id`).
    @discardableResult
    public mutating func loadFile(_ path: String, uri: String? = nil) throws -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SchemaError(message: "cannot read schema file", location: path)
        }
        let doc: JSONValue
        do {
            doc = try JSONParser(limits: .init(maxDepth: 512)).parse([UInt8](data))
        } catch {
            throw SchemaError(message: "schema file is not valid JSON: \(error)", location: path)
        }
        let key = uri ?? url.absoluteString
        register(doc, uri: key)
        return URIReference(key).withoutFragment
    }

    /// Registers every `*.json` file under `directory` (recursively) as `baseURI + relative path`.
    public mutating func loadDirectory(_ directory: String, baseURI: String? = nil) throws {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        guard let walker = FileManager.default.enumerator(atPath: root.path) else {
            throw SchemaError(message: "cannot list directory", location: directory)
        }
        var relatives: [String] = []
        while let rel = walker.nextObject() as? String {
            if rel.hasSuffix(".json") { relatives.append(rel) }
        }
        for rel in relatives.sorted() {
            let full = root.appendingPathComponent(rel).path
            let uri = baseURI.map { ($0.hasSuffix("/") ? $0 : $0 + "/") + rel }
            try loadFile(full, uri: uri)
        }
    }

    /// Loads `path` and, transitively, every local file its `$ref`s name (relative references and
    /// `file:` URLs), so a policy's schema can be split over files without listing them. Non-JSON
    /// files (YAML) go through `decode`; any other URI must already be registered (never fetched).
    /// Returns the `file:` URI of `path`.
    @discardableResult
    public mutating func loadFileWithReferences(
        _ path: String, decode: (String, [UInt8]) throws -> JSONValue
    ) throws -> String {
        let first = URL(fileURLWithPath: path).standardizedFileURL.absoluteString
        var queue = [first]
        var seen: Set<String> = []
        while let uri = queue.popLast() {
            guard !seen.contains(uri) else { continue }
            seen.insert(uri)
            let document: JSONValue
            if let known = documents[uri] {
                document = known
            } else {
                guard let url = URL(string: uri), url.isFileURL,
                      let data = FileManager.default.contents(atPath: url.path) else {
                    throw SchemaError(message: "cannot read schema file", location: uri == first ? path : uri)
                }
                do {
                    document = try decode(url.path, [UInt8](data))
                } catch {
                    throw SchemaError(message: "cannot parse schema file: \(error)", location: url.path)
                }
                register(document, uri: uri)
            }
            var refs: [String] = []
            Self.collectRefs(document, into: &refs, depth: 0)
            for ref in refs {
                let target = URIReference(URIReference.resolve(ref, against: uri)).withoutFragment
                if target.hasPrefix("file:"), documents[target] == nil, !seen.contains(target) { queue.append(target) }
            }
        }
        return first
    }

    static func collectRefs(_ value: JSONValue, into refs: inout [String], depth: Int) {
        guard depth < JSONParser.hardMaxDepth else { return }
        switch value {
        case .object(let entries):
            for (key, v) in entries {
                if key == "$ref", case .string(let ref) = v, !ref.hasPrefix("#") { refs.append(ref) } else {
                    collectRefs(v, into: &refs, depth: depth + 1)
                }
            }
        case .array(let items):
            for v in items { collectRefs(v, into: &refs, depth: depth + 1) }
        default:
            break
        }
    }
}
