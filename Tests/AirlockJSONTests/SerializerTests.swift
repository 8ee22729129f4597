import AirlockTestSupport
import Testing
@testable import AirlockJSON

/// The serializer copies strings a word at a time and formats integers itself: it must give exactly the bytes
/// of the plain byte-by-byte definition, at every string length and escape position.
@Suite struct SerializerTests {
    /// The reference: one byte at a time, only the escapes JSON requires.
    static func reference(_ s: String) -> [UInt8] {
        var out: [UInt8] = [34]
        let hex = Array("0123456789abcdef".utf8)
        for b in s.utf8 {
            switch b {
            case 34: out += [92, 34]
            case 92: out += [92, 92]
            case 0x0A: out += [92, 110]
            case 0x0D: out += [92, 114]
            case 0x09: out += [92, 116]
            case 0x08: out += [92, 98]
            case 0x0C: out += [92, 102]
            case 0..<0x20: out += [92, 117, 48, 48, hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        return out + [34]
    }

    @Test func stringsMatchTheReference() {
        let specials: [String] = ["\"", "\\", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{01}", "\u{1F}", "\u{7F}", "é", "😀", " ", "/"]
        for length in 0...40 {
            let plain = String(repeating: "a", count: length)
            #expect(JSONSerializer.serialize(.string(plain)) == Self.reference(plain))
            for special in specials {
                for position in Set([0, length / 2, length]) {
                    var chars = Array(plain)
                    chars.insert(contentsOf: Array(special), at: position)
                    let s = String(chars)
                    #expect(JSONSerializer.serialize(.string(s)) == Self.reference(s), "\(s.debugDescription)")
                    let object = JSONValue.object([(key: s, value: .string(s))])
                    #expect(JSONSerializer.serialize(object) == [123] + Self.reference(s) + [58] + Self.reference(s) + [125])
                }
            }
        }
    }

    @Test func integersMatchStringConversion() {
        for v: Int64 in [0, 1, -1, 9, 10, -10, 99, 100, 1234567890, -987654321, .max, .min, .max - 1, .min + 1] {
            #expect(JSONSerializer.string(.number(JSONNumber(v))) == String(v))
        }
    }

    @Test func growsFromAnySmallCapacity() throws {
        let doc = #"{"a":[1,2,3,{"b":"\u0000x\"y"}],"long":"\#(String(repeating: "z", count: 300))","n":-0.5e10,"t":true,"f":false,"z":null}"#
        let value = try JSONParser().parse(doc)
        let expected = JSONSerializer.serialize(value, reservingCapacity: 4096)
        for capacity in [0, 1, 7, 64, 100] {
            #expect(JSONSerializer.serialize(value, reservingCapacity: capacity) == expected)
        }
        var out: [UInt8] = [32]
        JSONSerializer.write(value, into: &out)
        #expect(out == [32] + expected)
    }
}

/// A tape's `canonical` lets the proxy hand over the upstream's bytes instead of re-serializing them;
/// that is only correct if "canonical" really means "the serializer would write exactly these bytes".
@Suite struct CanonicalInputTests {
    @Test func canonicalMeansTheSerializerReproducesTheInput() throws {
        var documents: [[UInt8]] = [
            Array(#"{"a":1,"b":[true,false,null],"c":{"d":"é✓"},"e":-0,"f":1.50,"g":1E+2}"#.utf8),
            Array(#"{"a":"x\u0041"}"#.utf8), Array(#" {"a":1}"#.utf8), Array("[1,\n2]".utf8), Array(#"{"a":"\"q\""}"#.utf8),
        ]
        if let dir = SharedData.path("conformance/JSONTestSuite/test_parsing") {
            for name in SharedData.list(dir) where name.hasPrefix("y_") {
                if let bytes = SharedData.bytes(dir + "/" + name) { documents.append(bytes) }
            }
        }
        var canonicalCount = 0
        for bytes in documents {
            guard let tape = try? JSONParser().parseTape(bytes) else { continue }
            let value = tape.value
            if tape.canonical {
                canonicalCount += 1
                #expect(JSONSerializer.serialize(value) == bytes, "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(canonicalCount > 20)
    }
}
