import Yams

/// Reads a composed YAML tree into typed values, collecting located errors.
///
/// The file types are kept apart from the validated `Policy` (parse, then validate):
/// this reader knows YAML and positions, nothing about what the keys mean.
struct YAMLReader {
    let file: String
    private(set) var errors: [PolicyError] = []

    init(file: String) { self.file = file }

    mutating func fail(_ node: Node?, _ message: String) {
        let mark = node?.mark
        errors.append(PolicyError(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, message: message))
    }

    /// A mapping's entries in file order, refusing keys outside `allowed`:
    /// unknown keys are errors because a misspelt key must never silently change access.
    mutating func mapping(_ node: Node, context: String, allowed: Set<String>? = nil) -> [(key: String, keyNode: Node, value: Node)] {
        guard case .mapping(let mapping) = node else {
            fail(node, "\(context) must be a mapping")
            return []
        }
        var out: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                fail(keyNode, "\(context): keys must be plain strings")
                continue
            }
            let key = scalar.string
            if let allowed, !allowed.contains(key) {
                fail(keyNode, "\(context): unknown key '\(key)' (allowed: \(allowed.sorted().joined(separator: ", ")))")
                continue
            }
            if case .alias = value {
                fail(value, "\(context).\(key): YAML aliases are not supported in policies")
                continue
            }
            out.append((key, keyNode, value))
        }
        return out
    }

    mutating func string(_ node: Node, context: String) -> String? {
        guard case .scalar(let scalar) = node else {
            fail(node, "\(context) must be a string")
            return nil
        }
        return scalar.string
    }

    mutating func bool(_ node: Node, context: String) -> Bool? {
        choice(node, context: context, [("true", true), ("false", false)])
    }

    /// One of a few fixed words (`allow` / `deny`); anything else is an error that lists them.
    mutating func choice<T>(_ node: Node, context: String, _ words: [(word: String, value: T)]) -> T? {
        guard let text = string(node, context: context) else { return nil }
        if let hit = words.first(where: { $0.word == text }) { return hit.value }
        let names = words.map(\.word)
        fail(node, "\(context) must be \(names.dropLast().joined(separator: ", ")) or \(names.last ?? ""), not '\(text)'")
        return nil
    }

    /// One of an enum's words, in declaration order (`mode: enforce | report`).
    mutating func choice<T: CaseIterable & RawRepresentable>(_ node: Node, context: String) -> T? where T.RawValue == String {
        choice(node, context: context, T.allCases.map { (word: $0.rawValue, value: $0) })
    }

    /// A list of strings; a single scalar is not accepted (explicit lists avoid surprises).
    mutating func strings(_ node: Node, context: String) -> [(String, Node)] {
        guard case .sequence(let sequence) = node else {
            fail(node, "\(context) must be a list, e.g. [a, b]")
            return []
        }
        var out: [(String, Node)] = []
        for item in sequence {
            if let text = string(item, context: "\(context) item") { out.append((text, item)) }
        }
        return out
    }
}
