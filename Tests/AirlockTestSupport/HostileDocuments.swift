/// Documents built to cost a checker what it would not spend on honest input.
public enum HostileDocuments {
    /// A recursive schema whose `oneOf` branches (cat, dog) both check `children` before the `kind`
    /// that tells them apart, so each nested value is validated once per branch: the work doubles at
    /// every level a document nests.
    public static let recursiveOneOfSchema = #"""
    {"$defs": {
       "children": {"type": "array", "items": {"$ref": "#/$defs/pet"}},
       "cat": {"type": "object", "properties": {"children": {"$ref": "#/$defs/children"}, "kind": {"const": "cat"}}},
       "dog": {"type": "object", "properties": {"children": {"$ref": "#/$defs/children"}, "kind": {"const": "dog"}}},
       "pet": {"oneOf": [{"$ref": "#/$defs/cat"}, {"$ref": "#/$defs/dog"}]}},
     "$ref": "#/$defs/pet"}
    """#

    /// `levels` cats for `recursiveOneOfSchema`, each the only child of the one above, `children`
    /// before `kind` (members are checked in the document's order).
    public static func nestedCats(_ levels: Int) -> String {
        var doc = #"{"kind": "cat"}"#
        for _ in 1..<levels { doc = #"{"children": ["# + doc + #"], "kind": "cat"}"# }
        return doc
    }
}
