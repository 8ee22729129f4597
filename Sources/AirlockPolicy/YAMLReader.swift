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
        guard let text = string(node, context: context) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            fail(node, "\(context) must be true or false, not '\(text)'")
            return nil
        }
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
