/// The hot parsing loop over an unsafe byte buffer; recursion is bounded by the depth limit.
struct JSONParserState {
    let p: UnsafeBufferPointer<UInt8>
    let limits: JSONParser.Limits
    let maxDepth: Int
    var i = 0
    var depth = 0
    var scratch: [UInt8] = []

    init(_ p: UnsafeBufferPointer<UInt8>, _ limits: JSONParser.Limits) {
        self.p = p
        self.limits = limits
        self.maxDepth = min(limits.maxDepth, JSONParser.hardMaxDepth)
    }

    @inline(__always)
    func fail(_ kind: JSONParseError.Kind, _ at: Int) -> JSONParseFailure {
        JSONParseFailure(kind: kind, offset: at)
    }

    mutating func parseDocument() throws(JSONParseFailure) -> JSONValue {
        if p.count > limits.maxBytes { throw fail(.tooManyBytes(limit: limits.maxBytes), limits.maxBytes) }
        if p.count >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { throw fail(.byteOrderMark, 0) }
        skipWhitespace()
        if i >= p.count { throw fail(p.isEmpty ? .emptyInput : .unexpectedEndOfInput, i) }
        let v = try parseValue()
        skipWhitespace()
        if i < p.count { throw fail(.trailingContent, i) }
        return v
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < p.count {
            let c = p[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
        }
    }

    mutating func parseValue() throws(JSONParseFailure) -> JSONValue {
        guard i < p.count else { throw fail(.unexpectedEndOfInput, i) }
        switch p[i] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), 48...57: return .number(try parseNumber())
        default: throw fail(.unexpectedByte(p[i]), i)
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONParseFailure) {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        for k in 0..<n {
            guard i + k < p.count else { throw fail(.unexpectedEndOfInput, i + k) }
            if p[i + k] != w[k] { throw fail(.unexpectedByte(p[i + k]), i + k) }
        }
        i += n
    }

    mutating func parseArray() throws(JSONParseFailure) -> JSONValue {
        depth += 1
        if depth > maxDepth { throw fail(.tooDeep(limit: maxDepth), i) }
        i += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if i < p.count && p[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return .array(items) }
        while true {
            if items.count >= limits.maxArrayItems { throw fail(.tooManyArrayItems(limit: limits.maxArrayItems), i) }
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard i < p.count else { throw fail(.unexpectedEndOfInput, i) }
            let c = p[i]
            i += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "]") { break }
            throw fail(.unexpectedByte(c), i - 1)
        }
        depth -= 1
        return .array(items)
    }

    mutating func parseObject() throws(JSONParseFailure) -> JSONValue {
        depth += 1
        if depth > maxDepth { throw fail(.tooDeep(limit: maxDepth), i) }
        i += 1
        var entries: [(key: String, value: JSONValue)] = []
        var keySet: Set<String>? = nil
        skipWhitespace()
        if i < p.count && p[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return .object(entries) }
        while true {
            if entries.count >= limits.maxObjectEntries {
                throw fail(.tooManyObjectEntries(limit: limits.maxObjectEntries), i)
            }
            skipWhitespace()
            guard i < p.count else { throw fail(.unexpectedEndOfInput, i) }
            guard p[i] == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(p[i]), i) }
            let keyOffset = i
            let key = try parseString()
            // Duplicate keys (I-JSON): linear scan for small objects, a set beyond that.
            if entries.count < 16 {
                for e in entries where e.key == key { throw fail(.duplicateKey(key), keyOffset) }
            } else {
                if keySet == nil { keySet = Set(entries.map { $0.key }) }
                if keySet?.insert(key).inserted == false { throw fail(.duplicateKey(key), keyOffset) }
            }
            skipWhitespace()
            guard i < p.count else { throw fail(.unexpectedEndOfInput, i) }
            guard p[i] == UInt8(ascii: ":") else { throw fail(.unexpectedByte(p[i]), i) }
            i += 1
            skipWhitespace()
            entries.append((key: key, value: try parseValue()))
            skipWhitespace()
            guard i < p.count else { throw fail(.unexpectedEndOfInput, i) }
            let c = p[i]
            i += 1
            if c == UInt8(ascii: ",") { continue }
            if c == UInt8(ascii: "}") { break }
            throw fail(.unexpectedByte(c), i - 1)
        }
        depth -= 1
        return .object(entries)
    }

    mutating func parseNumber() throws(JSONParseFailure) -> JSONNumber {
        let start = i
        var negative = false
        if p[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        guard i < p.count else { throw fail(.unexpectedEndOfInput, i) }
        var simple = true
        var value: Int64 = 0
        let intStart = i
        if p[i] == UInt8(ascii: "0") {
            i += 1
            if i < p.count && p[i] >= 48 && p[i] <= 57 { throw fail(.invalidNumber, start) }
        } else if p[i] >= 49 && p[i] <= 57 {
            while i < p.count && p[i] >= 48 && p[i] <= 57 {
                value = value &* 10 &+ Int64(p[i] &- 48)
                i += 1
            }
            if i - intStart > 18 { simple = false }
        } else {
            throw fail(.invalidNumber, i)
        }
        if i < p.count && p[i] == UInt8(ascii: ".") {
            simple = false
            i += 1
            let s = i
            while i < p.count && p[i] >= 48 && p[i] <= 57 { i += 1 }
            if i == s { throw fail(i < p.count ? .invalidNumber : .unexpectedEndOfInput, i) }
        }
        if i < p.count && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            simple = false
            i += 1
            if i < p.count && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
            let s = i
            while i < p.count && p[i] >= 48 && p[i] <= 57 { i += 1 }
            if i == s { throw fail(i < p.count ? .invalidNumber : .unexpectedEndOfInput, i) }
        }
        if simple && !(negative && value == 0) {
            return JSONNumber(storage: .int(negative ? -value : value))
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
        guard let storage = JSONNumber.scan(p, start, i, text: text) else { throw fail(.invalidNumber, start) }
        return JSONNumber(storage: storage)
    }
}
