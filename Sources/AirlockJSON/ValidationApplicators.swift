/// In-place applicators (allOf/anyOf/oneOf/not/if) and unevaluated* for `ValidationRun`.
extension ValidationRun {
    mutating func validateApplicators(_ n: SchemaNode, _ v: Int, _ ev: inout Evaluated) -> Bool {
        var ok = true
        for s in n.allOf {
            var sub = Evaluated()
            if validate(s, v, &sub) { ev.merge(sub) } else { ok = false; if stop { return false } }
        }
        if !n.anyOf.isEmpty {
            var any = false
            quiet += 1
            for s in n.anyOf {
                if !tracking && s.isLeaf && leafAccepts(s, v) { any = true; break }
                var sub = Evaluated()
                if validate(s, v, &sub) {
                    any = true
                    ev.merge(sub)
                    if !tracking { break }
                }
            }
            quiet -= 1
            if !any { report(n, "anyOf", "value does not match any schema in anyOf"); ok = false; if stop { return false } }
        }
        if !n.oneOf.isEmpty {
            var matches = 0
            var first = -1
            var second = -1
            quiet += 1
            for (i, s) in n.oneOf.enumerated() {
                var sub = Evaluated()
                if validate(s, v, &sub) {
                    matches += 1
                    if first < 0 { first = i; ev.merge(sub) } else if second < 0 { second = i }
                    if matches > 1 { break }
                }
            }
            quiet -= 1
            if matches == 0 {
                report(n, "oneOf", "value does not match any schema in oneOf"); ok = false; if stop { return false }
            } else if matches > 1 {
                report(n, "oneOf", "value matches more than one schema in oneOf (\(first) and \(second))")
                ok = false; if stop { return false }
            }
        }
        if let s = n.not {
            quiet += 1
            var sub = Evaluated()
            let good = validate(s, v, &sub)
            quiet -= 1
            if good { report(n, "not", "value must not match the schema in not"); ok = false; if stop { return false } }
        }
        if let cond = n.ifSchema {
            quiet += 1
            var sub = Evaluated()
            let passed = validate(cond, v, &sub)
            quiet -= 1
            if passed {
                ev.merge(sub)
                if let t = n.thenSchema {
                    var tsub = Evaluated()
                    if validate(t, v, &tsub) { ev.merge(tsub) } else {
                        report(n, "then", "value matches if but not then"); ok = false; if stop { return false }
                    }
                }
            } else if let e = n.elseSchema {
                var esub = Evaluated()
                if validate(e, v, &esub) { ev.merge(esub) } else {
                    report(n, "else", "value does not match if nor else"); ok = false; if stop { return false }
                }
            }
        }
        return ok
    }

    mutating func validateUnevaluated(_ n: SchemaNode, _ v: Int, _ ev: inout Evaluated) -> Bool {
        var ok = true
        let kind = view.kind(v)
        if let u = n.unevaluatedProperties, kind == .object {
            var k = v + 1
            let end = view.next(v)
            while k < end {
                let key = k
                k = view.next(key + 1)
                if ev.hasProp(key) { continue }
                if validateChild(u, key + 1, .key(key)) {
                    ev.insertProp(key)
                } else {
                    if u.constant == false && quiet == 0 {
                        path.append(.key(key))
                        let name = view.string(key)
                        report(n, "unevaluatedProperties", "property \"\(name)\" is not allowed (unevaluated)")
                        path.removeLast()
                    }
                    ok = false; if stop { return false }
                }
            }
        }
        if let u = n.unevaluatedItems, kind == .array {
            var item = v + 1
            for i in 0..<view.count(v) {
                defer { item = view.next(item) }
                if ev.allItems || i < ev.prefix || ev.hasIndex(i) { continue }
                if !validateChild(u, item, .index(i)) {
                    report(n, "unevaluatedItems", "item \(i) is not allowed (unevaluated)")
                    ok = false; if stop { return false }
                }
            }
            ev.allItems = true
        }
        return ok
    }
}
