import AirlockTestSupport
import Foundation
import Testing
@testable import AirlockJSON

/// JSON-Schema-Test-Suite: 100% of required tests for all five drafts (minus the documented list).
@Suite struct SchemaConformanceTests {
    /// Known failures ("draft/file: group / test"), each with the reason. Keep this short.
    static let knownFailures: Set<String> = []

    @Test(arguments: SchemaSuiteRunner.drafts.map { $0.0 })
    func requiredTests(_ draftDir: String) {
        guard let suite = SharedData.path("conformance/JSON-Schema-Test-Suite") else { return }
        guard let draft = SchemaSuiteRunner.drafts.first(where: { $0.0 == draftDir })?.1 else { return }
        let reg = SchemaSuiteRunner.registry(suite)
        let out = SchemaSuiteRunner.run(dir: suite + "/tests/" + draftDir, label: draftDir, draft: draft, registry: reg)
        let unexpected = out.failed.filter { !Self.knownFailures.contains($0) }
        print("[conformance] \(draftDir): \(out.passed) passed, \(out.failed.count) failed (\(unexpected.count) unexpected)")
        for f in unexpected { print("[conformance] FAIL \(f)") }
        #expect(out.passed > 0)
        #expect(unexpected.isEmpty, "\(unexpected.count) unexpected failures in \(draftDir)")
    }

    @Test(arguments: SchemaSuiteRunner.drafts.map { $0.0 })
    func optionalTests(_ draftDir: String) {
        guard let suite = SharedData.path("conformance/JSON-Schema-Test-Suite") else { return }
        guard let draft = SchemaSuiteRunner.drafts.first(where: { $0.0 == draftDir })?.1 else { return }
        let reg = SchemaSuiteRunner.registry(suite)
        let base = suite + "/tests/" + draftDir + "/optional"
        let plain = SchemaSuiteRunner.run(dir: base, label: draftDir + "/optional", draft: draft, registry: reg)
        let formats = SchemaSuiteRunner.run(dir: base + "/format", label: draftDir + "/optional/format", draft: draft,
                                            registry: reg, formatAssertion: true)
        print("[optional] \(draftDir): optional \(plain.passed)/\(plain.passed + plain.failed.count), "
              + "format \(formats.passed)/\(formats.passed + formats.failed.count) (not asserted)")
    }
}
