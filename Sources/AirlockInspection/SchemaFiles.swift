import AirlockJSON
import Foundation
internal import Yams

/// Reads schema and OpenAPI files for the firewall: JSON as JSON, YAML converted to the same
/// `JSONValue` (so one validator serves both), `$ref`'d local files followed.
enum SchemaFiles {
    /// YAML 1.2 core schema typing (what OpenAPI documents are written against): only `true`/`false`
    /// are booleans, `0123` is decimal, no timestamps, no merge keys. Yams' default resolver types
    /// YAML 1.1, where `NO` (Norway) is false and `0123` is octal — a silent change to a constraint.
    static let core: Resolver = {
        var resolver = Resolver.basic
        // swiftlint:disable force_try — constant patterns, checked by the tests
        resolver = try! resolver.appending(.null, "^(?:~|null|Null|NULL|)$")
        resolver = try! resolver.appending(.bool, "^(?:true|True|TRUE|false|False|FALSE)$")
        resolver = try! resolver.appending(.int, "^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
        resolver = try! resolver.appending(.float, "^(?:[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$")
        return resolver
    }()

    /// Decodes a file by extension: `.yaml`/`.yml` as YAML (1.2 core schema), anything else as strict JSON.
    static func decode(path: String, bytes: [UInt8]) throws -> JSONValue {
        let lower = path.lowercased()
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") {
            guard let text = String(validating: bytes, as: UTF8.self) else { throw FileError("not UTF-8") }
            guard let node = try Yams.compose(yaml: text, core) else { throw FileError("empty YAML document") }
            return try value(of: node, depth: 0)
        }
        return try JSONParser(limits: .init(maxBytes: 256 << 20, maxDepth: 512)).parse(bytes)
    }

    static func value(of node: Node, depth: Int) throws -> JSONValue {
        guard depth < 512 else { throw FileError("YAML nested too deeply") }
        let line = node.mark?.line ?? 0
        switch node {
        case .scalar(let scalar):
            switch node.tag.description {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue: return .bool(scalar.string.lowercased() == "true")
            case Tag.Name.int.rawValue: return .number(try integer(scalar.string, line: line))
            case Tag.Name.float.rawValue:
                if let n = JSONNumber(scalar.string) { return .number(n) }
                var text = scalar.string
                if text.hasPrefix("+") { text.removeFirst() }
                if let d = Double(text), d.isFinite, let n = JSONNumber(String(d)) { return .number(n) }
                throw FileError("number '\(scalar.string)' at line \(line) has no JSON equivalent")
            case Tag.Name.str.rawValue:
                return .string(scalar.string)
            default:
                throw FileError("YAML tag \(node.tag.description) at line \(line) has no JSON equivalent")
            }
        case .sequence(let sequence):
            return .array(try sequence.map { try value(of: $0, depth: depth + 1) })
        case .mapping(let mapping):
            var entries: [(key: String, value: JSONValue)] = []
            var seen: Set<String> = []
            for (k, v) in mapping {
                guard case .scalar(let key) = k else { throw FileError("non-string key at line \(k.mark?.line ?? 0)") }
                // A merge key would be kept as a literal "<<" property and its constraints silently lost.
                guard key.string != "<<" else { throw FileError("YAML merge keys (<<) are not supported (line \(k.mark?.line ?? 0)); write the properties out") }
                guard seen.insert(key.string).inserted else { throw FileError("duplicate key '\(key.string)' at line \(k.mark?.line ?? 0)") }
                entries.append((key: key.string, value: try value(of: v, depth: depth + 1)))
            }
            return .object(JSONObject(entries))
        case .alias:
            throw FileError("YAML aliases are not supported in schema files (line \(line))")
        }
    }

    /// Core-schema integers: decimal (leading zeros and `+` allowed), `0o` octal, `0x` hex.
    static func integer(_ text: String, line: Int) throws -> JSONNumber {
        var digits = Substring(text)
        var negative = false
        if digits.hasPrefix("+") { digits = digits.dropFirst() } else if digits.hasPrefix("-") { negative = true; digits = digits.dropFirst() }
        var radix = 10
        if digits.hasPrefix("0o") { radix = 8; digits = digits.dropFirst(2) } else if digits.hasPrefix("0x") { radix = 16; digits = digits.dropFirst(2) }
        if radix == 10 {
            while digits.count > 1, digits.hasPrefix("0") { digits = digits.dropFirst() }
            if let n = JSONNumber((negative ? "-" : "") + digits) { return n }
        } else if let v = Int64(digits, radix: radix) {
            return JSONNumber(negative ? -v : v)
        }
        throw FileError("integer '\(text)' at line \(line) is out of range")
    }

    struct FileError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
