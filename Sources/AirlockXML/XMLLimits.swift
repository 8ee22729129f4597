/// Resource ceilings for one XML document; each answers a denial-of-service attack (OWASP API4).
public struct XMLLimits: Sendable, Hashable {
    /// Largest accepted input, checked before parsing: bounds every other cost.
    public var maxBytes: Int
    /// Deepest element nesting (clamped to libxml2's own 256): stops stack and tree blow-ups from deep nesting.
    public var maxDepth: Int
    /// Most elements in one document, comments, processing instructions and CDATA sections counted
    /// with them: bounds tree memory for floods of tiny nodes.
    public var maxElements: Int
    /// Most attributes (namespace declarations included) on one element: libxml2 2.9.14 checks duplicates quadratically.
    public var maxAttributesPerElement: Int
    /// Longest run of character data (clamped to libxml2's 10,000,000): stops giant text nodes.
    public var maxTextLength: Int
    /// Most namespace declarations in scope at one element: libxml2 searches them linearly for every name.
    public var maxNamespaceDeclarations: Int

    /// Defaults sized for API responses: 32 MiB, depth 128, 1,000,000 elements, 256 attributes, 8 MiB text, 128 namespaces.
    public init(
        maxBytes: Int = 32 << 20,
        maxDepth: Int = 128,
        maxElements: Int = 1_000_000,
        maxAttributesPerElement: Int = 256,
        maxTextLength: Int = 8 << 20,
        maxNamespaceDeclarations: Int = 128
    ) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxElements = maxElements
        self.maxAttributesPerElement = maxAttributesPerElement
        self.maxTextLength = maxTextLength
        self.maxNamespaceDeclarations = maxNamespaceDeclarations
    }
}
