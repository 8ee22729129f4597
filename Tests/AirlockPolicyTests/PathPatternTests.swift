import Testing
@testable import AirlockPolicy

struct PathPatternTests {
    @Test(arguments: [
        ("/v1/**", "/v1", true), ("/v1/**", "/v1/", true), ("/v1/**", "/v1/a/b/c", true), ("/v1/**", "/v2/a", false),
        ("/v1/**", "/v10/a", false), ("/v1/charges/*", "/v1/charges/ch_1", true), ("/v1/charges/*", "/v1/charges/ch_1/refunds", false),
        ("/v1/charges/*", "/v1/charges/", false), ("/*/admin", "//admin", false), ("/v1/*/items", "/v1//items", false),
        ("/v1/**", "/v1//x", true), ("/files/*.json", "/files/a.json", true), ("/files/*.json", "/files/a.xml", false),
        ("/a/**/z", "/a/z", true), ("/a/**/z", "/a/b/c/z", true), ("/a/**/z", "/a/b/c/y", false), ("/**", "/", true),
        ("/**", "/anything/at/all", true), ("/exact", "/exact", true), ("/exact", "/exact/", false), ("/x*y*z", "/xaybz", true),
        ("/x*y*z", "/xaz", false), ("/v1/*/items", "/v1/a/items", true),
    ])
    func matches(pattern: String, path: String, expected: Bool) throws {
        let compiled = try #require(PathPattern(pattern))
        #expect(compiled.matches(path) == expected, "\(pattern) vs \(path)")
    }

    @Test(arguments: ["v1", "/v1/../x", "/v1/./x", "/a**", "/a\\b", "/a?b", "/a#b", "//x", "/a b"])
    func refusesBadPatterns(pattern: String) { #expect(PathPattern(pattern) == nil) }

    @Test func manyGlobstarsStayLinear() {
        let pattern = PathPattern("/" + Array(repeating: "**/a", count: 30).joined(separator: "/"))!
        let path = "/" + Array(repeating: "a", count: 200).joined(separator: "/") + "/b"
        #expect(!pattern.matches(path))
    }
}
