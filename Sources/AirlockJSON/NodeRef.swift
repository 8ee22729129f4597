/// A non-owning reference to a node that the tree already keeps alive (via `properties`), read without
/// retains: `unmanaged._withUnsafeGuaranteedRef` lends it at +0 (a strong local was a retain/release pair per
/// validated property).
struct NodeRef: @unchecked Sendable {
    let unmanaged: Unmanaged<SchemaNode>?

    init(node: SchemaNode?) {
        unmanaged = node.map { Unmanaged.passUnretained($0) }
    }
}
