import AirlockTestSupport
import Foundation
import Testing
@testable import AirlockJSON

/// Runs JSON-Schema-Test-Suite files and tallies results (used by the conformance tests).
struct SchemaSuiteRunner {
    /// One failing case, identified as "draft/file: group / test".
    struct Outcome {
        var passed = 0
        var failed: [String] = []
    }

    static let drafts: [(String, SchemaDraft)] = [
        ("draft2020-12", .draft2020_12), ("draft2019-09", .draft2019_09), ("draft7", .draft7),
        ("draft6", .draft6), ("draft4", .draft4),
    ]

    /// A registry with remotes/ served as http://localhost:1234/.
    static func registry(_ suite: String) -> SchemaRegistry {
        var reg = SchemaRegistry()
        do {
            try reg.loadDirectory(suite + "/remotes", baseURI: "http://localhost:1234/")
        } catch {
            Issue.record("cannot load remotes: \(error)")
        }
        return reg
    }

    /// Runs every group of every file in `dir` (non-recursive).
    static func run(dir: String, label: String, draft: SchemaDraft, registry: SchemaRegistry,
                    formatAssertion: Bool = false) -> Outcome {
        var out = Outcome()
        let parser = JSONParser(limits: .init(maxDepth: 500))
        for file in SharedData.list(dir) where file.hasSuffix(".json") {
            guard let bytes = SharedData.bytes(dir + "/" + file), let doc = try? parser.parse(bytes),
                  case let .array(groups) = doc else {
                out.failed.append("\(label)/\(file): unreadable")
                continue
            }
            for (gi, group) in groups.enumerated() {
                let gdesc = group["description"]?.stringValue ?? "group \(gi)"
                let tests = group["tests"]?.arrayValue ?? []
                let schema = group["schema"] ?? .bool(true)
                let compiled: CompiledSchema
                do {
                    compiled = try CompiledSchema(schema: schema, registry: registry,
                                                  baseURI: "http://localhost:1234/__suite__/\(file)/\(gi).json",
                                                  defaultDraft: draft)
                } catch {
                    for t in tests {
                        out.failed.append("\(label)/\(file): \(gdesc) / \(t["description"]?.stringValue ?? "?") [compile: \(error)]")
                    }
                    continue
                }
                for t in tests {
                    let expected = t["valid"]?.boolValue ?? false
                    let data = t["data"] ?? .null
                    let fast = compiled.isValid(data, formatAssertion: formatAssertion)
                    let full = compiled.validate(data, options: .init(collectAll: true, formatAssertion: formatAssertion))
                    // The same instance as the parser's tape of its bytes (strings and lexemes read in place,
                    // escaped strings decoded aside), not only the tape built from the tree.
                    let parsed = (try? parser.parseTape(JSONSerializer.serialize(data))).map {
                        compiled.isValid($0, formatAssertion: formatAssertion)
                    }
                    if fast == expected && full.isValid == expected && (expected || !full.violations.isEmpty) && parsed == expected {
                        out.passed += 1
                    } else {
                        out.failed.append("\(label)/\(file): \(gdesc) / \(t["description"]?.stringValue ?? "?")")
                    }
                }
            }
        }
        return out
    }
}
