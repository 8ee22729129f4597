import AirlockTestSupport
import Foundation
import Testing
@testable import AirlockJSON

/// JSONTestSuite conformance: y_ accepted (except duplicate keys), n_ refused, i_ never crash.
@Suite struct JSONTestSuiteTests {
    /// Files whose y_ status conflicts with the I-JSON duplicate-key rule.
    static let duplicateKeyFiles: Set<String> = [
        "y_object_duplicated_key.json", "y_object_duplicated_key_and_value.json",
    ]

    static func files() -> [String] {
        guard let dir = SharedData.root.map({ $0 + "/conformance/JSONTestSuite/test_parsing" }) else { return [] }
        return SharedData.list(dir).filter { $0.hasSuffix(".json") }
    }

    @Test func suiteIsPresent() {
        guard let dir = SharedData.path("conformance/JSONTestSuite/test_parsing") else { return }
        #expect(SharedData.list(dir).count > 300)
    }

    @Test(arguments: files())
    func conformance(_ name: String) throws {
        guard let dir = SharedData.path("conformance/JSONTestSuite/test_parsing"),
              let bytes = SharedData.bytes(dir + "/" + name) else { return }
        let result = Result { () throws(JSONParseError) -> JSONValue in try JSONParser().parse(bytes) }
        if name.hasPrefix("y_") {
            if Self.duplicateKeyFiles.contains(name) {
                guard case let .failure(e) = result, case .duplicateKey = e.kind else {
                    Issue.record("\(name): duplicate key must be refused"); return
                }
            } else if case let .failure(e) = result {
                Issue.record("\(name) refused: \(e)")
            } else if case let .success(value) = result {
                // A tree put back on a tape (what validating a `JSONValue` does) reads back as the same tree.
                #expect(JSONTape(value).value == value, "\(name): tape round trip")
            }
        } else if name.hasPrefix("n_") {
            if case .success = result { Issue.record("\(name) accepted") }
        } else {
            // i_: the spec allows either; our choices are in JSONTestSuiteChoices.md and pinned here.
            let accepted: Bool
            if case .success = result { accepted = true } else { accepted = false }
            #expect(accepted == name.hasPrefix("i_number_"), "\(name): choice changed")
        }
    }

    @Test func positionsAreReported() {
        do {
            _ = try JSONParser().parse("{\n  \"a\": tru }")
            Issue.record("should fail")
        } catch {
            #expect(error.line == 2)
            #expect(error.column == 11)
        }
    }

    @Test func limitsHaveTheirOwnErrors() {
        func kind(_ text: String, _ limits: JSONParser.Limits) -> JSONParseError.Kind? {
            do { _ = try JSONParser(limits: limits).parse(text); return nil } catch { return error.kind }
        }
        #expect(kind("[1,2,3]", .init(maxBytes: 3)) == .tooManyBytes(limit: 3))
        #expect(kind("[[[1]]]", .init(maxDepth: 2)) == .tooDeep(limit: 2))
        #expect(kind("\"abcdef\"", .init(maxStringLength: 3)) == .stringTooLong(limit: 3))
        #expect(kind("{\"a\":1,\"b\":2}", .init(maxObjectEntries: 1)) == .tooManyObjectEntries(limit: 1))
        #expect(kind("[1,2,3]", .init(maxArrayItems: 2)) == .tooManyArrayItems(limit: 2))
        #expect(kind(String(repeating: "[", count: 100_000), .init(maxDepth: 1_000_000)) == .tooDeep(limit: 1000))
        #expect(kind("\u{FEFF}{}", .init()) == .byteOrderMark)
        #expect(kind("[\"\\uD800\"]", .init()) == .loneSurrogate)
    }

    @Test func duplicateKeysAreFoundInEveryPath() throws {
        func kind(_ text: String) -> JSONParseError.Kind? {
            do { _ = try JSONParser().parse(text); return nil } catch { return error.kind }
        }
        #expect(kind(#"{"a":1,"\u0061":2}"#) == .duplicateKey("a"))
        #expect(kind(#"{"\u00e9":1,"e\u0301":2}"#) == nil, "canonically equivalent but different code points")
        let many = (0..<2000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let v = try JSONParser().parse("{" + many + "}")
        #expect(v.objectValue?.count == 2000)
        #expect(v.objectValue?.enumerated().allSatisfy { $0.element.key == "k\($0.offset)" } == true)
        #expect(kind("{" + many + ",\"k1999\":0}") == .duplicateKey("k1999"))
        // An early key was evicted from the key cache by 2,000 others, so its repeat gets a new key-table
        // index: the duplicate must still be found (by bytes), and an escaped spelling too.
        let repeated = try JSONParser().parse("[{" + many + "},{\"k3\":0}]")
        guard case let .array(objects) = repeated, case let .object(second) = objects[1] else { Issue.record("not a list"); return }
        #expect(second.table.names.filter { $0 == "k3" }.count == 2, "k3 was evicted, so it was indexed twice")
        #expect(kind("{" + many + ",\"k3\":0}") == .duplicateKey("k3"))
        #expect(kind("{" + many + ",\"\\u006b3\":0}") == .duplicateKey("k3"))
        // Repeated shapes reuse cached keys; values must stay distinct.
        let list = try JSONParser().parse(#"[{"id":"x","n":1},{"id":"y","n":2},{"n":3,"id":"z"}]"#)
        #expect(JSONSerializer.string(list) == #"[{"id":"x","n":1},{"id":"y","n":2},{"n":3,"id":"z"}]"#)
    }

    /// The compact value layout the memory figures depend on: an object entry is a 17-byte value plus a
    /// 4-byte key index in 24 bytes (a String key made it 40).
    @Test func objectEntriesStayCompact() throws {
        #expect(MemoryLayout<JSONSlot>.stride == 24)
        let v = try JSONParser().parse(#"[{"id":"a","amount":1},{"amount":2,"id":"b"},{}]"#)
        guard case let .array(items) = v, case let .object(first) = items[0], case let .object(second) = items[1] else {
            Issue.record("not a list of objects"); return
        }
        #expect(first.table === second.table, "objects of one document share its key table")
        #expect(second.map(\.key) == ["amount", "id"])
        #expect(second["id"] == .string("b"))
        #expect(JSONValue.object([(key: "id", value: .string("b")), (key: "amount", value: .number(JSONNumber(2)))])
                == items[1], "objects compare by content, whatever their key tables")
    }

    @Test func numbersAreExact() throws {
        func n(_ s: String) -> JSONNumber? { JSONNumber(s) }
        #expect(n("1.0") == n("1"))
        #expect(n("1e2") == n("100"))
        #expect(n("-0") == n("0"))
        #expect(n("123456789012345678901234567890") != n("123456789012345678901234567891"))
        #expect(n("123456789012345678901234567890")! < n("123456789012345678901234567891")!)
        #expect(n("0.3")!.isMultiple(of: n("0.1")!))
        #expect(!n("0.35")!.isMultiple(of: n("0.1")!))
        #expect(n("1e308")!.isMultiple(of: n("1e-8")!))
        #expect(!n("1e308")!.isMultiple(of: n("0.123456789")!))
        #expect(n("12391239123")!.isMultiple(of: n("1e-8")!))
        #expect(n("100000000000000000000000000000000000000000")!.isMultiple(of: n("1000000000000000000000007")!) == false)
        #expect(n("2.5e1")!.isInteger)
        #expect(!n("2.5")!.isInteger)
        #expect(n("01") == nil)
        #expect(n("-1.5e-3")!.doubleValue == -0.0015)
    }
}
