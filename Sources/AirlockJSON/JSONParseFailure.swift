/// Internal failure carried through the hot loop; line/column are computed only once, on failure.
struct JSONParseFailure: Error {
    let kind: JSONParseError.Kind
    let offset: Int
}
