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
}
