/// A non-owning reference to a node that the tree already keeps alive (via `properties`), read without retains.
struct NodeRef: @unchecked Sendable {
    unowned(unsafe) let node: SchemaNode?
}
