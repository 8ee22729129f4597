/// Annotation state for unevaluatedProperties/unevaluatedItems. Properties are their key nodes on the tape
/// (keys are unique in an object, so a key node stands for its name within that object).
/// Sets stay nil until used, so the common no-tracking path does no reference counting at all.
struct Evaluated {
    var props: Set<Int>?
    var allItems = false
    var prefix = 0
    var indices: Set<Int>?

    mutating func merge(_ o: Evaluated) {
        if let p = o.props {
            if props == nil { props = p } else { props?.formUnion(p) }
        }
        if o.allItems { allItems = true }
        if o.prefix > prefix { prefix = o.prefix }
        if let x = o.indices {
            if indices == nil { indices = x } else { indices?.formUnion(x) }
        }
    }

    mutating func insertProp(_ key: Int) {
        if props == nil { props = [key] } else { props?.insert(key) }
    }

    func hasProp(_ key: Int) -> Bool { props?.contains(key) ?? false }

    mutating func insertIndex(_ i: Int) {
        if indices == nil { indices = [i] } else { indices?.insert(i) }
    }

    func hasIndex(_ i: Int) -> Bool { indices?.contains(i) ?? false }
}
