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
        var seen: Set<String> = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                fail(keyNode, "\(context): keys must be plain strings")
                continue
            }
            let key = scalar.string
            // Yams refuses a repeated key only when both copies have the same tag (`!x tunnel:` is
            // another key to it): the text is what means something here, so the text may not repeat.
            guard seen.insert(key).inserted else {
                fail(keyNode, "\(context): key '\(key)' appears twice")
                continue
            }
            if let allowed, !allowed.contains(key) {
                fail(keyNode, "\(context): unknown key '\(key)' (allowed: \(allowed.sorted().joined(separator: ", ")))")
                continue
            }
            out.append((key, keyNode, value))
        }
        return out
    }

    /// Refuses what a policy may not use anywhere in `root`: YAML tags other than the standard ones
    /// (`!x key:` would be a second key to the YAML layer) and aliases (`*name` repeats a value
    /// written elsewhere, so what a block grants is no longer read where it is written). Yams hands
    /// an alias back as the anchored node itself, so an alias shows as a node whose position in the
    /// file was already seen (by kind: a block mapping starts where its first key does).
    mutating func refuseTagsAndAliases(_ root: Node) {
        var seen: Set<[Int]> = []
        var reported = false
        func visit(_ node: Node) {
            guard !reported else { return }
            let kind: Int
            switch node {
            case .mapping: kind = 0
            case .sequence: kind = 1
            default: kind = 2
            }
            if let mark = node.mark, !seen.insert([mark.line, mark.column, kind]).inserted {
                // Yams gives the alias the anchored node's position, so this names the anchor's line.
                fail(node, "YAML anchors and aliases (&name … *name) are not allowed in a policy: this value is used again elsewhere; write each value where it applies")
                reported = true
                return
            }
            let tag = node.tag.description
            if !tag.isEmpty, !tag.hasPrefix("tag:yaml.org,2002:") {
                fail(node, "YAML tag '\(tag)' is not allowed in a policy")
                reported = true
                return
            }
            switch node {
            case .mapping(let mapping):
                for (key, value) in mapping { visit(key); visit(value) }
            case .sequence(let sequence):
                for item in sequence { visit(item) }
            default:
                break
            }
        }
        visit(root)
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
