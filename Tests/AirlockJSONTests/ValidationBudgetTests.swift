import AirlockTestSupport
import Foundation
import Testing
@testable import AirlockJSON

/// A recursive schema whose `oneOf` branches share a base re-validates each nested value once per
/// branch, so the work doubles at every level a hostile upstream nests: 30 levels are 2^30
/// evaluations (minutes), whether the document is valid or not. One validation pass has a budget
/// (64 evaluations per document node, at least 2^20); past it the pass fails closed with the
/// `validation_budget` keyword (`json_limit_exceeded` in the proxy), and so does `strip_unknown`.
@Suite struct ValidationBudgetTests {
    static let schema = HostileDocuments.recursiveOneOfSchema
    static func nested(_ levels: Int) -> String { HostileDocuments.nestedCats(levels) }

    @Test(.timeLimit(.minutes(1))) func exponentialBranchingIsRefusedNotRun() throws {
        let compiled = try CompiledSchema(schema: try JSONParser().parse(Self.schema))
        // Shallow nesting is well within the budget, and valid.
        #expect(compiled.validate(try JSONParser().parseTape(Array(Self.nested(8).utf8))).isValid)
        let deep = try JSONParser().parseTape(Array(Self.nested(30).utf8))
        let result = compiled.validate(deep)
        #expect(!result.isValid)
        #expect(result.violations.first?.keywordLocation.hasSuffix("/" + Violation.budgetKeyword) == true, "\(result.violations)")
        #expect(!compiled.isValid(deep))
        // A refused evaluation is no pass for a `not` around it: the whole pass is refused.
        let root = try #require(Self.schema.range(of: ##""$ref": "#/$defs/pet"}"##, options: .backwards))
        let negated = try CompiledSchema(schema: try JSONParser().parse(
            Self.schema.replacingCharacters(in: root, with: ##""not": {"$ref": "#/$defs/pet"}}"##)))
        #expect(!negated.validate(deep).isValid && !negated.isValid(deep))
        #expect(!negated.isValid(try JSONParser().parseTape(Array(Self.nested(8).utf8))), "a shallow cat is a pet, so not-a-pet fails")
        // strip_unknown probes the same branches: one budget for its whole pass, and when it runs out
        // the answer is "unknown" (nil), not a document cut down by branches it could not decide.
        let value = try JSONParser().parse(Self.nested(30))
        #expect(Sanitizer(schema: compiled).stripUnknown(value) == nil)
        #expect(Sanitizer(schema: compiled).stripUnknown(try JSONParser().parse(Self.nested(8))) != nil)
    }
}
