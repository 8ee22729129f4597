/// Type-specific and applicator keywords for `ValidationRun`.
extension ValidationRun {
    mutating func validateNumber(_ n: SchemaNode, _ x: JSONNumber) -> Bool {
        var ok = true
        if let m = n.minimum, JSONNumber.compare(x, m) < 0 {
            report(n, "minimum", "\(x) is less than the minimum \(m)"); ok = false; if stop { return false }
        }
        if let m = n.maximum, JSONNumber.compare(x, m) > 0 {
            report(n, "maximum", "\(x) is greater than the maximum \(m)"); ok = false; if stop { return false }
        }
        if let m = n.exclusiveMinimum, JSONNumber.compare(x, m) <= 0 {
            report(n, "exclusiveMinimum", "\(x) is not greater than \(m)"); ok = false; if stop { return false }
        }
        if let m = n.exclusiveMaximum, JSONNumber.compare(x, m) >= 0 {
            report(n, "exclusiveMaximum", "\(x) is not less than \(m)"); ok = false; if stop { return false }
        }
        if let m = n.multipleOf, !x.isMultiple(of: m) {
            report(n, "multipleOf", "\(x) is not a multiple of \(m)"); ok = false
        }
        return ok
    }

    mutating func validateString(_ n: SchemaNode, _ s: String) -> Bool {
        var ok = true
        if n.minLength != nil || n.maxLength != nil {
            // UTF-8 length bounds the scalar count (len/4 ≤ scalars ≤ len): count only when it matters.
            let bytes = s.utf8.count
            let sure = (n.maxLength.map { bytes <= $0 } ?? true) && (n.minLength.map { bytes / 4 >= $0 } ?? true)
            let len = sure ? -1 : ValidationRun.scalarCount(s)
            if !sure, let m = n.minLength, len < m {
                report(n, "minLength", "string is shorter than \(m) characters"); ok = false; if stop { return false }
            }
            if !sure, let m = n.maxLength, len > m {
                report(n, "maxLength", "string is longer than \(m) characters"); ok = false; if stop { return false }
            }
        }
        if let p = n.pattern, !p.matches(s) {
            report(n, "pattern", "string does not match the pattern \(p.source)"); ok = false; if stop { return false }
        }
        if formatAssertion, let f = n.format, !FormatChecker.check(f, s) {
            report(n, "format", "string is not a valid \(f)"); ok = false
        }
        return ok
    }

    mutating func validateArray(_ n: SchemaNode, _ a: [JSONValue], _ ev: inout Evaluated) -> Bool {
        var ok = true
        if let m = n.minItems, a.count < m {
            report(n, "minItems", "array has fewer than \(m) items"); ok = false; if stop { return false }
        }
        if let m = n.maxItems, a.count > m {
            report(n, "maxItems", "array has more than \(m) items"); ok = false; if stop { return false }
        }
        if n.uniqueItems, a.count > 1, !ValidationRun.allUnique(a) {
            report(n, "uniqueItems", "array items are not unique"); ok = false; if stop { return false }
        }
        let prefix = n.prefixItems
        if !prefix.isEmpty || n.restItems != nil {
            for (i, item) in a.enumerated() {
                let s: SchemaNode
                if i < prefix.count { s = prefix[i] } else if let r = n.restItems { s = r } else { break }
                if s.isLeaf && ValidationRun.leafAccepts(s, item) { continue }
                if !validateChild(s, item, .index(i)) { ok = false; if stop { return false } }
            }
            if tracking {
                ev.prefix = max(ev.prefix, min(a.count, prefix.count))
                if n.restItems != nil { ev.allItems = true }
            }
        }
        if let c = n.contains {
            var matches = 0
            let minC = n.minContains ?? 1
            let needAll = tracking || n.maxContains != nil
            quiet += 1
            for (i, item) in a.enumerated() {
                var sub = Evaluated()
                if validate(c, item, &sub) {
                    matches += 1
                    if tracking && n.draft == .draft2020_12 { ev.insertIndex(i) }
                    if !needAll && matches >= minC { break }
                }
            }
            quiet -= 1
            if matches < minC {
                report(n, "contains", "array has fewer than \(minC) items matching contains"); ok = false; if stop { return false }
            }
            if let m = n.maxContains, matches > m {
                report(n, "maxContains", "array has more than \(m) items matching contains"); ok = false; if stop { return false }
            }
        }
        return ok
    }

    mutating func validateObject(_ n: SchemaNode, _ o: JSONObject, _ ev: inout Evaluated) -> Bool {
        var ok = true
        if let m = n.minProperties, o.count < m {
            report(n, "minProperties", "object has fewer than \(m) properties"); ok = false; if stop { return false }
        }
        if let m = n.maxProperties, o.count > m {
            report(n, "maxProperties", "object has more than \(m) properties"); ok = false; if stop { return false }
        }
        let hasProps = !n.propertyTable.isEmpty
        let hasPatterns = !n.patternProperties.isEmpty
        var seenRequired = 0
        if hasProps || hasPatterns || n.additionalProperties != nil {
            let good = o.slots.withUnsafeBufferPointer { slots in
                o.table.names.withUnsafeBufferPointer { keys in validateProperties(n, slots, keys, &ev, &seenRequired) }
            }
            if !good { ok = false; if stop { return false } }
        }
        // Keys are unique (the parser guarantees it), so counting hits proves every required name is present.
        if seenRequired < n.required.count {
            for r in n.required where o[r] == nil {
                report(n, "required", "required property \"\(r)\" is missing"); ok = false; if stop { return false }
            }
        }
        if let pn = n.propertyNames {
            for (key, _) in o where !validateChild(pn, .string(key), .key(key)) {
                ok = false; if stop { return false }
            }
        }
        for (name, deps) in n.dependentRequired where o[name] != nil {
            for d in deps where o[d] == nil {
                report(n, "dependentRequired", "property \"\(d)\" is required when \"\(name)\" is present")
                ok = false; if stop { return false }
            }
        }
        for (name, s) in n.dependentSchemas where o[name] != nil {
            var sub = Evaluated()
            if validate(s, .object(o), &sub) { ev.merge(sub) } else { ok = false; if stop { return false } }
        }
        return ok
    }

    /// properties / patternProperties / additionalProperties over the entries, counting required hits.
    /// Keys and values are used in place as `keys[Int(o[i].key)]` / `o[i].value` rather than bound to locals:
    /// a local is a copy, i.e. a retain/release pair per entry, which was a large share of validating small objects.
    mutating func validateProperties(_ n: SchemaNode, _ o: UnsafeBufferPointer<JSONSlot>, _ keys: UnsafeBufferPointer<String>,
                                     _ ev: inout Evaluated, _ seenRequired: inout Int) -> Bool {
        var ok = true
        let hasProps = !n.propertyTable.isEmpty
        let hasPatterns = !n.patternProperties.isEmpty
        let additional = n.additionalProperties
        let count = n.listNames.count
        var guess = 0
        n.listNames.withUnsafeBufferPointer { names in
        n.listSchemas.withUnsafeBufferPointer { schemas in
        n.listRequired.withUnsafeBufferPointer { required in
            for i in 0..<o.count {
                var matched = false
                var slot = -1
                if guess < count && names[guess] == keys[Int(o[i].key)] {
                    slot = guess
                } else if hasProps, let e = n.propertyTable[keys[Int(o[i].key)]] {
                    slot = e.index
                }
                if slot >= 0 {
                    guess = slot + 1
                    if required[slot] { seenRequired += 1 }
                    if let s = schemas[slot].node {
                        matched = true
                        if !(s.isLeaf && ValidationRun.leafAccepts(s, o[i].value))
                            && !validateChild(s, o[i].value, .key(keys[Int(o[i].key)])) {
                            ok = false; if stop { return }
                        }
                    }
                }
                if hasPatterns {
                    for (p, s) in n.patternProperties where p.matches(keys[Int(o[i].key)]) {
                        matched = true
                        if !validateChild(s, o[i].value, .key(keys[Int(o[i].key)])) { ok = false; if stop { return } }
                    }
                }
                if !matched, let s = additional {
                    matched = true
                    if !(s.isLeaf && ValidationRun.leafAccepts(s, o[i].value))
                        && !validateChild(s, o[i].value, .key(keys[Int(o[i].key)])) {
                        if s.constant == false && quiet == 0 {
                            path.append(.key(keys[Int(o[i].key)]))
                            report(n, "additionalProperties", "property \"\(keys[Int(o[i].key)])\" is not allowed")
                            path.removeLast()
                        }
                        ok = false; if stop { return }
                    }
                }
                if tracking && matched { ev.insertProp(keys[Int(o[i].key)]) }
            }
        }
        }
        }
        return ok
    }

    /// Unicode scalars in `s`: its UTF-8 bytes that are not continuation bytes (the generic
    /// `unicodeScalars.count` walks scalar indices and cost more than the rest of the string checks).
    static func scalarCount(_ s: String) -> Int {
        var s = s
        return s.withUTF8 { u in
            var count = 0
            for b in u where b & 0xC0 != 0x80 { count += 1 }
            return count
        }
    }

    /// Fast acceptance for leaf schemas (type, nullable, maxLength only); false means "run the full check".
    @inline(__always)
    static func leafAccepts(_ s: SchemaNode, _ v: JSONValue) -> Bool {
        guard let t = s.types else { return false }
        switch v {
        case .null: return s.nullable || t.contains(.null)
        case .bool: return t.contains(.boolean)
        case let .number(x): return t.contains(.number) || (t.contains(.integer) && x.isInteger)
        case let .string(str):
            guard t.contains(.string) else { return false }
            if let m = s.maxLength { return str.utf8.count <= m }
            return true
        case .object: return t.contains(.object)
        case .array: return t.contains(.array)
        }
    }

    /// Validates a child value with its path token pushed. Inlined so that the token (a String retain for
    /// `.key`) is only built when it is pushed, i.e. not while probing or in `isValid`'s quiet mode.
    @inline(__always)
    mutating func validateChild(_ s: SchemaNode, _ v: JSONValue, _ token: PathToken) -> Bool {
        var sub = Evaluated()
        if quiet > 0 { return validate(s, v, &sub) }
        path.append(token)
        let good = validate(s, v, &sub)
        path.removeLast()
        return good
    }

    /// O(n) uniqueness via structural hashes, with exact equality on collisions.
    static func allUnique(_ a: [JSONValue]) -> Bool {
        var buckets: [Int: [Int]] = [:]
        for (i, x) in a.enumerated() {
            let h = x.structuralHash
            if let prev = buckets[h] {
                for j in prev where a[j] == x { return false }
            }
            buckets[h, default: []].append(i)
        }
        return true
    }
}
