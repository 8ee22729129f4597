/// A step in the instance path: an object key (its tape node, turned into text only when a violation is
/// reported) or an array index.
enum PathToken {
    case key(Int)
    case index(Int)
}
