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

    mutating func validateString(_ n: SchemaNode, _ v: Int) -> Bool {
        var ok = true
        if n.minLength != nil || n.maxLength != nil {
            // UTF-8 length bounds the scalar count (len/4 ≤ scalars ≤ len): count only when it matters.
            let bytes = view.length(v)
            let sure = (n.maxLength.map { bytes <= $0 } ?? true) && (n.minLength.map { bytes / 4 >= $0 } ?? true)
            let len = sure ? -1 : ValidationRun.scalarCount(view.bytes(v))
            if !sure, let m = n.minLength, len < m {
                report(n, "minLength", "string is shorter than \(m) characters"); ok = false; if stop { return false }
            }
            if !sure, let m = n.maxLength, len > m {
                report(n, "maxLength", "string is longer than \(m) characters"); ok = false; if stop { return false }
            }
        }
        if let p = n.pattern, !p.matches(view.string(v)) {
            report(n, "pattern", "string does not match the pattern \(p.source)"); ok = false; if stop { return false }
        }
        if formatAssertion, let f = n.format, !FormatChecker.check(f, view.string(v)) {
            report(n, "format", "string is not a valid \(f)"); ok = false
        }
        return ok
    }

    mutating func validateArray(_ n: SchemaNode, _ a: Int, _ ev: inout Evaluated) -> Bool {
        var ok = true
        let count = view.count(a)
        if let m = n.minItems, count < m {
            report(n, "minItems", "array has fewer than \(m) items"); ok = false; if stop { return false }
        }
        if let m = n.maxItems, count > m {
            report(n, "maxItems", "array has more than \(m) items"); ok = false; if stop { return false }
        }
        if n.uniqueItems, count > 1, !allUnique(a) {
            report(n, "uniqueItems", "array items are not unique"); ok = false; if stop { return false }
        }
        let prefix = n.prefixItems
        if !prefix.isEmpty || n.restItems != nil {
            var item = a + 1
            for i in 0..<count {
                defer { item = view.next(item) }
                let s: SchemaNode
                if i < prefix.count { s = prefix[i] } else if let r = n.restItems { s = r } else { break }
                if s.isLeaf && leafAccepts(s, item) { continue }
                if !validateChild(s, item, .index(i)) { ok = false; if stop { return false } }
            }
            if tracking {
                ev.prefix = max(ev.prefix, min(count, prefix.count))
                if n.restItems != nil { ev.allItems = true }
            }
        }
        if let c = n.contains {
            var matches = 0
            let minC = n.minContains ?? 1
            let needAll = tracking || n.maxContains != nil
            quiet += 1
            var item = a + 1
            for i in 0..<count {
                defer { item = view.next(item) }
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

    mutating func validateObject(_ n: SchemaNode, _ o: Int, _ ev: inout Evaluated) -> Bool {
        var ok = true
        let count = view.count(o)
        if let m = n.minProperties, count < m {
            report(n, "minProperties", "object has fewer than \(m) properties"); ok = false; if stop { return false }
        }
        if let m = n.maxProperties, count > m {
            report(n, "maxProperties", "object has more than \(m) properties"); ok = false; if stop { return false }
        }
        var seenRequired = 0
        if n.nameTable.count > 0 || !n.patternProperties.isEmpty || n.additionalProperties != nil {
            if !validateProperties(n, o, &ev, &seenRequired) { ok = false; if stop { return false } }
        }
        // Keys are unique (the parser guarantees it), so counting hits proves every required name is present.
        if seenRequired < n.required.count {
            for r in n.required where view.member(o, r) == nil {
                report(n, "required", "required property \"\(r)\" is missing"); ok = false; if stop { return false }
            }
        }
        if let pn = n.propertyNames {
            var k = o + 1
            let end = view.next(o)
            while k < end {
                // A key node is a string node: it is validated as the name itself.
                if !validateChild(pn, k, .key(k)) { ok = false; if stop { return false } }
                k = view.next(k + 1)
            }
        }
        for (name, deps) in n.dependentRequired where view.member(o, name) != nil {
            for d in deps where view.member(o, d) == nil {
                report(n, "dependentRequired", "property \"\(d)\" is required when \"\(name)\" is present")
                ok = false; if stop { return false }
            }
        }
        for (name, s) in n.dependentSchemas where view.member(o, name) != nil {
            var sub = Evaluated()
            if validate(s, o, &sub) { ev.merge(sub) } else { ok = false; if stop { return false } }
        }
        return ok
    }

    /// properties / patternProperties / additionalProperties over the entries, counting required hits.
    /// Keys are compared as bytes with the schema's names: first the name after the previous hit (instances
    /// usually list keys in schema order), else through the node's hash table (`PropertyNameTable`).
    mutating func validateProperties(_ n: SchemaNode, _ o: Int, _ ev: inout Evaluated, _ seenRequired: inout Int) -> Bool {
        var ok = true
        let hasPatterns = !n.patternProperties.isEmpty
        let additional = n.additionalProperties
        let names = n.nameTable
        let count = names.count
        var guess = 0
        var k = o + 1
        let end = view.next(o)
        n.listSchemas.withUnsafeBufferPointer { schemas in
        n.listRequired.withUnsafeBufferPointer { required in
            while k < end {
                let key = k
                let value = k + 1
                k = view.next(value)
                var matched = false
                let kb = view.bytes(key)
                var slot = -1
                if guess < count && names.equals(guess, kb) {
                    slot = guess
                } else if count > 0 {
                    slot = names.slot(for: kb)
                }
                if slot >= 0 {
                    guess = slot + 1
                    if required[slot] { seenRequired += 1 }
                    if let u = schemas[slot].unmanaged {
                        matched = true
                        let good = u._withUnsafeGuaranteedRef { s in
                            (s.isLeaf && leafAccepts(s, value)) || validateChild(s, value, .key(key))
                        }
                        if !good { ok = false; if stop { return } }
                    }
                }
                if hasPatterns {
                    let name = view.string(key)
                    for (p, s) in n.patternProperties where p.matches(name) {
                        matched = true
                        if !validateChild(s, value, .key(key)) { ok = false; if stop { return } }
                    }
                }
                if !matched, let s = additional {
                    matched = true
                    if !(s.isLeaf && leafAccepts(s, value)) && !validateChild(s, value, .key(key)) {
                        if s.constant == false && quiet == 0 {
                            path.append(.key(key))
                            let name = view.string(key)
                        report(n, "additionalProperties", "property \"\(name)\" is not allowed")
                            path.removeLast()
                        }
                        ok = false; if stop { return }
                    }
                }
                if tracking && matched { ev.insertProp(key) }
            }
        }
        }
        return ok
    }

    /// Unicode scalars in `s`: its UTF-8 bytes that are not continuation bytes (the generic
    /// `unicodeScalars.count` walks scalar indices and cost more than the rest of the string checks).
    static func scalarCount(_ u: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        for b in u where b & 0xC0 != 0x80 { count += 1 }
        return count
    }

    /// Fast acceptance for leaf schemas (type, nullable, maxLength only); false means "run the full check".
    @inline(__always)
    func leafAccepts(_ s: SchemaNode, _ v: Int) -> Bool {
        guard let t = s.types else { return false }
        switch view.kind(v) {
        case .null: return s.nullable || t.contains(.null)
        case .falseValue, .trueValue: return t.contains(.boolean)
        case .int: return t.contains(.number) || t.contains(.integer)
        case .number: return t.contains(.number)   // integer-valued lexemes (1.0) take the full check
        case .string:
            guard t.contains(.string) else { return false }
            if let m = s.maxLength { return view.length(v) <= m }
            return true
        case .object: return t.contains(.object)
        case .array: return t.contains(.array)
        }
    }

    /// Validates a child value with its path token pushed. Inlined so that the token (a String retain for
    /// `.key`) is only built when it is pushed, i.e. not while probing or in `isValid`'s quiet mode.
    @inline(__always)
    mutating func validateChild(_ s: SchemaNode, _ v: Int, _ token: PathToken) -> Bool {
        var sub = Evaluated()
        if quiet > 0 { return validate(s, v, &sub) }
        path.append(token)
        let good = validate(s, v, &sub)
        path.removeLast()
        return good
    }

    /// O(n) uniqueness via structural hashes, with exact equality on collisions (on trees: uniqueItems
    /// is rare in API schemas, and comparing whole values is what trees are for).
    func allUnique(_ array: Int) -> Bool {
        var a: [JSONValue] = []
        a.reserveCapacity(view.count(array))
        var item = array + 1
        for _ in 0..<view.count(array) {
            a.append(view.value(item))
            item = view.next(item)
        }
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
