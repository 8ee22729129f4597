/// Index of every known subschema, resource and anchor across the registry, built by walking documents.
struct SchemaIndex {
    let registry: SchemaRegistry
    let defaultDraft: SchemaDraft
    /// "resourceURI#pointer" and "resourceURI#anchor" → location.
    var locations: [String: SchemaLocation] = [:]
    /// resource URI → dynamic anchor name → location key.
    var dynamicAnchors: [String: [String: String]] = [:]
    /// Resources whose root says `$recursiveAnchor: true`.
    var recursiveAnchors: Set<String> = []
    var walkedDocuments: Set<String> = []

    init(registry: SchemaRegistry, defaultDraft: SchemaDraft) {
        self.registry = registry
        self.defaultDraft = defaultDraft
    }

    /// Walks the registry document stored under `uri` (once).
    mutating func walkDocument(_ uri: String) {
        guard !walkedDocuments.contains(uri), let doc = registry.documents[uri] else { return }
        walkedDocuments.insert(uri)
        let loc = SchemaLocation.enter(doc, base: uri, pointer: "", draft: defaultDraft, validationVocabulary: true,
                                       registry: registry, isRoot: true)
        walk(loc, depth: 0)
        // The retrieval URI names the document too (refs relative to it must resolve).
        if locations[uri + "#"] == nil { locations[uri + "#"] = loc }
    }

    /// Records a location, its anchors, and recurses into subschemas.
    mutating func walk(_ loc: SchemaLocation, depth: Int, aliases: [String] = []) {
        guard depth < 256 else { return }
        if locations[loc.key] == nil { locations[loc.key] = loc }
        // Pointers from enclosing resources that cross this location's `$id` must also find it.
        for alias in aliases where locations[alias] == nil { locations[alias] = loc }
        if loc.isResourceRoot, loc.resourcePointer.isEmpty, locations[loc.base + "#"] == nil {
            locations[loc.base + "#"] = loc
        }
        if case let .object(body) = loc.value {
            let hasRef = body["$ref"] != nil
            if loc.draft.fragmentIDsAreAnchors, !(loc.draft.refOverridesSiblings && hasRef),
               let id = body[loc.draft.idKeyword]?.stringValue, id.hasPrefix("#") {
                locations[loc.base + id] = loc
            }
            if loc.draft.fragmentIDsAreAnchors, !(loc.draft.refOverridesSiblings && hasRef),
               let id = body[loc.draft.idKeyword]?.stringValue, !id.hasPrefix("#"),
               let hash = id.firstIndex(of: "#"), id[id.index(after: hash)...].count > 0 {
                locations[loc.base + String(id[hash...])] = loc
            }
            if loc.draft.isModern, let anchor = body["$anchor"]?.stringValue {
                locations[loc.base + "#" + anchor] = loc
            }
            if loc.draft == .draft2020_12, let anchor = body["$dynamicAnchor"]?.stringValue {
                if locations[loc.base + "#" + anchor] == nil { locations[loc.base + "#" + anchor] = loc }
                dynamicAnchors[loc.base, default: [:]][anchor] = loc.key
            }
            if loc.draft == .draft2019_09, loc.resourcePointer.isEmpty,
               body["$recursiveAnchor"]?.boolValue == true {
                recursiveAnchors.insert(loc.base)
            }
        }
        let parentKeys = [loc.key] + aliases
        for (suffix, child) in loc.children() {
            let c = SchemaLocation.enter(child, base: loc.base, pointer: loc.resourcePointer + suffix, draft: loc.draft,
                                         validationVocabulary: loc.validationVocabulary, registry: registry, isRoot: false)
            let childAliases = c.isResourceRoot ? parentKeys.map { $0 + suffix } : aliases.map { $0 + suffix }
            walk(c, depth: depth + 1, aliases: childAliases)
        }
    }

    /// Resolves an absolute reference (with fragment) to a location, walking documents on demand.
    mutating func resolve(_ absolute: String) -> SchemaLocation? {
        let ref = URIReference(absolute)
        let resource = ref.withoutFragment
        let fragment = JSONPointer.percentDecode(ref.fragment ?? "")
        if let hit = locations[resource + "#" + fragment] { return hit }
        walkDocument(resource)
        if let hit = locations[resource + "#" + fragment] { return hit }
        guard fragment.isEmpty || fragment.hasPrefix("/") else { return nil }
        // A pointer into a place the walk did not treat as a schema (or across a nested $id):
        // find the longest indexed prefix and walk the remaining tokens by hand.
        guard let root = locations[resource + "#"] else { return nil }
        guard let value = JSONPointer.resolve(fragment, in: root.value) else { return nil }
        let loc = SchemaLocation.enter(value, base: root.base, pointer: fragment, draft: root.draft,
                                       validationVocabulary: root.validationVocabulary, registry: registry, isRoot: false)
        walk(loc, depth: 0)
        return locations[loc.key] ?? loc
    }
}
