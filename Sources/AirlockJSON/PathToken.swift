/// A step in the instance path.
enum PathToken {
    case key(String)
    case index(Int)
}
