import Foundation
import Testing

@testable import AirlockXML

/// Seeded random byte mutations of the fixtures: whatever the bytes, parse/validate/sanitize return
/// an outcome and never crash (run under AddressSanitizer to catch memory errors in the C edge).
@Suite struct MutationFuzzTests {
    /// SplitMix64: deterministic, so a failure reproduces.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let alphabet: [UInt8] = Array("<>/=\"'?!-[]&;#x: \n\tDOCTYPE".utf8) + [0, 0x01, 0x80, 0xC3, 0xED, 0xEF, 0xBF, 0xFE, 0xFF]

    @Test(arguments: ["order_valid.xml", "soap_valid.xml", "order_invalid_sku.xml"])
    func survivesRandomMutations(_ fixture: String) throws {
        let original = try Fixture.bytes(fixture)
        let validator = try XMLDocumentValidator(
            schemaFile: Fixture.path(fixture.hasPrefix("soap") ? "soap-envelope.xsd" : "order.xsd"))
        var random = SplitMix64(state: UInt64(fixture.utf8.count))
        var outcomes: Set<String> = []
        for _ in 0..<1_500 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                guard !bytes.isEmpty else { break }
                let position = Int.random(in: 0..<bytes.count, using: &random)
                let byte = Self.alphabet[Int.random(in: 0..<Self.alphabet.count, using: &random)]
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[position] = byte
                case 1: bytes.remove(at: position)
                default: bytes.insert(byte, at: position)
                }
            }
            let outcome = validator.validate(bytes: bytes)
            outcomes.insert(outcome.reason ?? "valid")
            if case .valid(let sanitized) = outcome {
                #expect(validator.validate(bytes: sanitized).isValid)
            }
        }
        #expect(outcomes.contains("xml_malformed"))
    }
}
