import Foundation
import Testing

@testable import AirlockXML

/// The attack corpus of issue 4: each hostile document is refused with the right reason, in bounded time and memory.
@Suite struct AttackCorpusTests {
    static let billionLaughs = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [
          <!ENTITY lol "lol">
          <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
          <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
          <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
          <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
          <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
          <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
          <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
          <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
          <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
        ]>
        <lolz>&lol9;</lolz>
        """

    static var quadraticBlowup: String {
        let value = String(repeating: "x", count: 50_000)
        let references = String(repeating: "&a;", count: 20_000)
        return "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"\(value)\">]><r>\(references)</r>"
    }

    static let dtdAttacks: [(name: String, xml: String)] = [
        ("billion laughs", billionLaughs),
        ("quadratic blowup", quadraticBlowup),
        ("external entity to a file", #"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>"#),
        ("parameter entity", #"<!DOCTYPE r [<!ENTITY % p "<!ENTITY x 'owned'>"> %p;]><r>&x;</r>"#),
        ("external DTD", #"<?xml version="1.0"?><!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>"#),
        ("public external DTD", #"<!DOCTYPE r PUBLIC "-//X//DTD X//EN" "file:///etc/hostname"><r/>"#),
        ("entity in attribute", #"<!DOCTYPE r [<!ENTITY x "&#60;">]><r a="&x;"/>"#),
        ("doctype after comment", "<!-- hello --><!DOCTYPE r><r/>"),
    ]

    @Test(arguments: dtdAttacks)
    func refusesDoctypeAttacks(_ attack: (name: String, xml: String)) {
        let error = withinBounds { parseError([UInt8](xml: attack.xml)) }
        #expect(error == .forbiddenConstruct(.doctype), "\(attack.name)")
    }

    @Test(arguments: dtdAttacks.filter { $0.name != "doctype after comment" && !$0.name.contains("external DTD") })
    func refusesInternalSubsetEvenWhenDoctypeIsTolerated(_ attack: (name: String, xml: String)) {
        let error = withinBounds {
            parseError([UInt8](xml: attack.xml), .init(allowsDoctype: true))
        }
        #expect(error == .forbiddenConstruct(.doctype), "\(attack.name)")
    }

    @Test func neverContactsTheNetworkForExternalEntitiesOrDTDs() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let documents = [
            #"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "\#(server.url)/secret">]><r>&x;</r>"#,
            #"<!DOCTYPE r [<!ENTITY % p SYSTEM "\#(server.url)/p.dtd"> %p;]><r/>"#,
            #"<!DOCTYPE r SYSTEM "\#(server.url)/r.dtd"><r/>"#,
            #"<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="\#(server.url)/x.xml"/></r>"#,
        ]
        var refusals: [XMLError?] = []
        for document in documents {
            refusals.append(parseError([UInt8](xml: document)))
            refusals.append(parseError([UInt8](xml: document), .init(allowsDoctype: true)))
        }
        try await Task.sleep(for: .milliseconds(200))
        #expect(server.connections == 0)
        #expect(refusals[0] == .forbiddenConstruct(.doctype))
        #expect(refusals[4] == .forbiddenConstruct(.doctype))
        // A bare DOCTYPE naming a remote DTD is tolerated when allowed, and the DTD is never fetched.
        #expect(refusals[5] == nil)
        #expect(refusals[6] == .forbiddenConstruct(.xinclude))
    }

    @Test func loopbackServerCountsARealConnection() async throws {
        let server = try LoopbackServer()
        defer { server.stop() }
        let reply = LoopbackServer.get(port: server.port, path: "/probe")
        #expect(reply.hasPrefix("HTTP/1.0 200"))
        #expect(server.connections == 1)
    }

    @Test(arguments: [
        #"<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></r>"#,
        #"<xi:include xmlns:xi="http://www.w3.org/2003/XInclude" href="/etc/passwd"/>"#,
        #"<r><include xmlns="http://www.w3.org/2001/XInclude" href="/etc/passwd"/></r>"#,
    ])
    func refusesXInclude(_ xml: String) {
        #expect(parseError([UInt8](xml: xml)) == .forbiddenConstruct(.xinclude))
    }

    @Test func refusesUndeclaredEntityReferenceUnderToleratedDoctype() {
        let xml = #"<!DOCTYPE r SYSTEM "r.dtd"><r>&undeclared;</r>"#
        #expect(parseError([UInt8](xml: xml), .init(allowsDoctype: true)) == .forbiddenConstruct(.entityReference))
    }

    @Test(arguments: [128, 1_000])
    func refusesHundredThousandDeepNesting(maxDepth: Int) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(700_000)
        for _ in 0..<100_000 { bytes += Array("<a>".utf8) }
        for _ in 0..<100_000 { bytes += Array("</a>".utf8) }
        let limits = XMLLimits(maxDepth: maxDepth)
        let error = withinBounds { parseError(bytes, .init(limits: limits)) }
        #expect(error == .limitExceeded(.depth))
    }

    /// 1,000,000 attributes on one element, spelled three ways: well formed, without the blanks
    /// between attributes, and hidden behind a broken XML declaration that libxml2 skips with '>'.
    @Test(arguments: [" ", "", "?"])
    func refusesOneMillionAttributes(separator: String) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(16_000_000)
        if separator == "?" {
            bytes += Array(#"<?xml version="1.0" >"#.utf8)
        }
        bytes += Array("<a".utf8)
        for index in 0..<1_000_000 {
            bytes += Array(" a\(index)=\"1\"".utf8).dropFirst(separator.isEmpty && index > 0 ? 1 : 0)
        }
        bytes += Array("/>".utf8)
        if separator == "?" {
            bytes += Array("?>".utf8)
        }
        let error = withinBounds { parseError(bytes) }
        #expect(error == .limitExceeded(.attributesPerElement))
    }

    /// A '<' inside a comment, CDATA section or PI is only bounded when libxml2 could leave the
    /// construct early (a character it rejects, a missing PI target): then it would parse the rest as markup.
    @Test(arguments: ["<!--\u{01}", "<![CDATA[\u{01}", "<?\u{01}", "<? "])
    func refusesAttributesHiddenBehindAnEarlyExit(_ opener: String) {
        var bytes = Array("<r>\(opener)<a".utf8)
        for index in 0..<300_000 {
            bytes += Array(" a\(index)=\"1\"".utf8)
        }
        bytes += Array("/>".utf8)
        bytes += Array((opener.hasPrefix("<!--") ? "-->" : opener.hasPrefix("<![") ? "]]>" : "?>").utf8)
        bytes += Array("</r>".utf8)
        let error = withinBounds { parseError(bytes) }
        #expect(error == .limitExceeded(.attributesPerElement))
    }

    @Test func refusesFiftyMegabyteTextNode() {
        var bytes = Array("<a>".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: 50_000_000)
        bytes += Array("</a>".utf8)
        let generous = XMLLimits(maxBytes: 64 << 20)
        #expect(withinBounds { parseError(bytes, .init(limits: generous)) } == .limitExceeded(.textLength))
        #expect(withinBounds { parseError(bytes) } == .limitExceeded(.bytes))
    }

    @Test(arguments: [
        [0x3C, 0x61, 0x3E, 0xC3, 0x28, 0x3C, 0x2F, 0x61, 0x3E],
        [0x3C, 0x61, 0x3E, 0xED, 0xA0, 0x80, 0x3C, 0x2F, 0x61, 0x3E],
        [0x3C, 0x61, 0x3E, 0xFF, 0xFE, 0x3C, 0x2F, 0x61, 0x3E],
    ] as [[UInt8]])
    func refusesInvalidUTF8AsMalformed(_ bytes: [UInt8]) {
        guard case .malformed(let line, let column, _) = parseError(bytes) else {
            Issue.record("expected malformed")
            return
        }
        #expect(line == 1)
        #expect(column >= 1)
    }

    @Test func refusesUTF7Declaration() {
        let xml = #"<?xml version="1.0" encoding="UTF-7"?><a>+ADw-script+AD4-alert(1)+ADw-/script+AD4-</a>"#
        #expect(parseError([UInt8](xml: xml)) == .forbiddenConstruct(.encoding("UTF-7")))
    }

    @Test func refusesEBCDICDocument() {
        // `<?xml version="1.0" encoding="IBM037"?><a/>` in EBCDIC code page 037.
        let ebcdic: [UInt8] = [0x4C, 0x6F, 0xA7, 0x94, 0x93, 0x40, 0xA5, 0x85, 0x99, 0xA2, 0x89, 0x96, 0x95,
                               0x7E, 0x7F, 0xF1, 0x4B, 0xF0, 0x7F, 0x6F, 0x6E, 0x4C, 0x81, 0x61, 0x6E]
        #expect(parseError(ebcdic) == .forbiddenConstruct(.encoding("EBCDIC")))
        let declared = #"<?xml version="1.0" encoding="IBM037"?><a/>"#
        #expect(parseError([UInt8](xml: declared)) == .forbiddenConstruct(.encoding("IBM037")))
    }

    @Test(arguments: ["ISO-8859-1", "windows-1252", "UTF-32", "US-ASCII"])
    func refusesOtherDeclaredEncodings(_ name: String) {
        let xml = "<?xml version=\"1.0\" encoding=\"\(name)\"?><a/>"
        #expect(parseError([UInt8](xml: xml)) == .forbiddenConstruct(.encoding(name)))
    }

    @Test func refusesUCS4() {
        let bytes: [UInt8] = [0x00, 0x00, 0x00, 0x3C, 0x00, 0x00, 0x00, 0x61, 0x00, 0x00, 0x00, 0x2F, 0x00, 0x00, 0x00, 0x3E]
        #expect(parseError(bytes) == .forbiddenConstruct(.encoding("UCS-4")))
    }
}
