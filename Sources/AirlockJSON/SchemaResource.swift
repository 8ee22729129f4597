/// A schema resource (an `$id` scope) with its dynamic anchors, for dynamic-scope resolution.
final class SchemaResource: @unchecked Sendable {
    let uri: String
    @exclusivity(unchecked) var root: SchemaNode?
    @exclusivity(unchecked) var dynamicAnchors: [String: SchemaNode] = [:]
    @exclusivity(unchecked) var recursiveAnchor = false

    init(uri: String) {
        self.uri = uri
    }
}
