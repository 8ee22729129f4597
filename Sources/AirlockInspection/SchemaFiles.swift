import AirlockJSON
import Foundation
internal import Yams

/// Reads schema and OpenAPI files for the firewall: JSON as JSON, YAML converted to the same
/// `JSONValue` (so one validator serves both), `$ref`'d local files followed.
enum SchemaFiles {
    /// Decodes a file by extension: `.yaml`/`.yml` as YAML 1.2 core schema, anything else as strict JSON.
    static func decode(path: String, bytes: [UInt8]) throws -> JSONValue {
        let lower = path.lowercased()
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") {
            guard let text = String(validating: bytes, as: UTF8.self) else { throw FileError("not UTF-8") }
            guard let node = try Yams.compose(yaml: text) else { throw FileError("empty YAML document") }
            return try value(of: node, depth: 0)
        }
        return try JSONParser(limits: .init(maxBytes: 256 << 20, maxDepth: 512)).parse(bytes)
    }

    static func value(of node: Node, depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw FileError("YAML nested too deeply") }
        switch node {
        case .scalar(let scalar):
            switch node.tag.description {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue:
                guard let b = Bool.construct(from: scalar) else { throw FileError("bad boolean '\(scalar.string)' at line \(node.mark?.line ?? 0)") }
                return .bool(b)
            case Tag.Name.int.rawValue, Tag.Name.float.rawValue:
                if let n = JSONNumber(scalar.string) { return .number(n) }
                if let i = Int.construct(from: scalar) { return .number(JSONNumber(Int64(i))) }
                if let d = Double.construct(from: scalar), d.isFinite, let n = JSONNumber(String(d)) { return .number(n) }
                throw FileError("number '\(scalar.string)' at line \(node.mark?.line ?? 0) has no JSON equivalent")
            default:
                return .string(scalar.string)
            }
        case .sequence(let sequence):
            return .array(try sequence.map { try value(of: $0, depth: depth + 1) })
        case .mapping(let mapping):
            var entries: [(key: String, value: JSONValue)] = []
            var seen: Set<String> = []
            for (k, v) in mapping {
                guard case .scalar(let key) = k else { throw FileError("non-string key at line \(k.mark?.line ?? 0)") }
                guard seen.insert(key.string).inserted else { throw FileError("duplicate key '\(key.string)' at line \(k.mark?.line ?? 0)") }
                entries.append((key: key.string, value: try value(of: v, depth: depth + 1)))
            }
            return .object(entries)
        case .alias:
            throw FileError("YAML aliases are not supported in schema files")
        }
    }

    struct FileError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
