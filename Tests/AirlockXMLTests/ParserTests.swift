import Foundation
import Testing

@testable import AirlockXML

/// Ordinary parsing: encodings accepted, malformed input located, each limit reported as itself.
@Suite struct ParserTests {
    @Test func parsesPlainDocument() throws {
        let document = try XMLDocumentParser().parse([UInt8](xml: "<a x=\"1\"><b>text</b><!-- c --></a>"))
        let out = String(decoding: document.sanitized(), as: UTF8.self)
        #expect(out.contains("<a x=\"1\"><b>text</b></a>"))
    }

    @Test(arguments: [
        ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>é</a>", true),
        ("<?xml version='1.0' encoding='utf-8' standalone='yes'?><a>é</a>", true),
        ("\u{FEFF}<a>é</a>", true),
        ("<?xml version=\"1.0\"?><a>é</a>", true),
    ])
    func acceptsUTF8Spellings(_ xml: String, _ accepted: Bool) {
        #expect((parseError([UInt8](xml: xml)) == nil) == accepted)
    }

    @Test(arguments: [(false, true), (true, true), (false, false), (true, false)])
    func acceptsUTF16(bigEndian: Bool, bom: Bool) throws {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a b=\"ü\">ÿ €</a>"
        let document = try XMLDocumentParser().parse(utf16(xml, bigEndian: bigEndian, bom: bom))
        let out = String(decoding: document.sanitized(), as: UTF8.self)
        #expect(out.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"))
        #expect(out.contains("<a b=\"ü\">ÿ €</a>"))
    }

    @Test func refusesUTF8BytesLabelledUTF16() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>"
        #expect(parseError([UInt8](xml: xml)) == .forbiddenConstruct(.encoding("UTF-16")))
    }

    @Test(arguments: [
        ("<a><b></a>", 1),
        ("<a>\n  <b>\n</a>", 3),
        ("<a>\n\n\n<b x=1/></a>", 4),
        ("", 1),
        ("just text", 1),
        ("<a>&undefined;</a>", 1),
        ("<a/><b/>", 1),
        ("<p:a/>", 1),
        ("<a x=\"1\" x=\"2\"/>", 1),
    ])
    func reportsMalformedWithLine(_ xml: String, _ line: Int) {
        guard case .malformed(let reportedLine, let column, let message) = parseError([UInt8](xml: xml)) else {
            Issue.record("expected malformed for \(xml)")
            return
        }
        #expect(reportedLine == line)
        #expect(column >= 0)
        #expect(!message.isEmpty)
        #expect(!message.contains("\n"))
    }

    @Test func reportsLineBeyond65535() {
        let xml = String(repeating: "<a/>\n", count: 70_000)
        let wrapped = "<r>\n" + xml + "<oops></r>"
        guard case .malformed(let line, _, _) = parseError([UInt8](xml: wrapped)) else {
            Issue.record("expected malformed")
            return
        }
        #expect(line == 70_002)
    }

    @Test(arguments: [
        (XMLLimits(maxBytes: 10), "<a>0123456789</a>", XMLError.Limit.bytes),
        (XMLLimits(maxDepth: 3), "<a><b><c><d/></c></b></a>", .depth),
        (XMLLimits(maxElements: 3), "<a><b/><c/><d/></a>", .elements),
        (XMLLimits(maxElements: 3), "<a><!----><!----><!----></a>", .elements),
        (XMLLimits(maxElements: 3), "<a><?p?><![CDATA[]]><!----></a>", .elements),
        (XMLLimits(maxElements: 3), "<!----><?p?><a/><!---->", .elements),
        (XMLLimits(maxAttributesPerElement: 2), "<a x='1' y='2' z='3'/>", .attributesPerElement),
        (XMLLimits(maxAttributesPerElement: 2), "<a xmlns:p='urn:p' x='1' y='2'/>", .attributesPerElement),
        (XMLLimits(maxTextLength: 5), "<a>123456</a>", .textLength),
        (XMLLimits(maxTextLength: 5), "<a>123<![CDATA[456]]></a>", .textLength),
        (XMLLimits(maxTextLength: 5), "<a>12&amp;&#52;&#x35;6</a>", .textLength),
        (XMLLimits(maxNamespaceDeclarations: 2), "<a xmlns:a='urn:a'><b xmlns:b='urn:b'><c xmlns:c='urn:c'/></b></a>", .namespaceDeclarations),
    ])
    func reportsEachLimit(_ limits: XMLLimits, _ xml: String, _ limit: XMLError.Limit) {
        #expect(parseError([UInt8](xml: xml), .init(limits: limits)) == .limitExceeded(limit))
    }

    @Test(arguments: [
        (XMLLimits(maxDepth: 4), "<a><b><c><d/></c></b></a>"),
        (XMLLimits(maxElements: 4), "<a><b/><c/><d/></a>"),
        (XMLLimits(maxElements: 4), "<a><!----><?p?><![CDATA[x]]></a>"),
        (XMLLimits(maxAttributesPerElement: 3), "<a x='1' y='2' z='3'/>"),
        (XMLLimits(maxTextLength: 6), "<a>123456<b/>123456</a>"),
        (XMLLimits(maxNamespaceDeclarations: 2), "<a xmlns:a='urn:a'><b xmlns:b='urn:b'/><c xmlns:c='urn:c'/></a>"),
    ])
    func acceptsDocumentsAtTheLimit(_ limits: XMLLimits, _ xml: String) {
        #expect(parseError([UInt8](xml: xml), .init(limits: limits)) == nil)
    }

    /// The pre-scan must not mistake legitimate markup for attributes: '>' and '=' in values,
    /// '<' in comments and CDATA, many '=' in text.
    @Test func prescanToleratesTrickyButWellFormedMarkup() {
        let text = String(repeating: "k=v&amp;", count: 1_000)
        let xml = """
            <?xml version="1.0"?><?app a=1 b=2?><r a="x>y" b='=' c = "q">\(text)<!-- <x y="1"> -->\
            <![CDATA[ <not a="tag"> ]]><e/></r>
            """
        #expect(parseError([UInt8](xml: xml), .init(limits: XMLLimits(maxAttributesPerElement: 3))) == nil)
    }

    /// Script-like CDATA and comments (many '=' after a '<') are not mistaken for attribute floods.
    @Test func acceptsCDATAAndCommentsFullOfEquals() {
        let script = String(repeating: "a=b==c;", count: 500)
        let xml = "<r><![CDATA[<script>\(script)</script>]]><!-- <x \(script) --><?js <y \(script)?></r>"
        #expect(parseError([UInt8](xml: xml)) == nil)
    }

    /// The pre-scan's memchr fast path and its exact walk must agree: the fast path answers only when
    /// certain, every other document goes through the exact walk (with identical results).
    @Test func prescanFastPathAndExactWalkAgree() {
        let limits = XMLLimits(maxAttributesPerElement: 3)
        let atLimit = #"<r><a x="1" y="2" z="3"/></r>"#
        let overLimit = #"<r><a w="0" x="1" y="2" z="3"/></r>"#
        #expect(parseError([UInt8](xml: atLimit), .init(limits: limits)) == nil)
        #expect(parseError([UInt8](xml: overLimit), .init(limits: limits)) == .limitExceeded(.attributesPerElement))
        #expect(parseError([UInt8](xml: "<r a='1'>a=b=c=d=e</r>"), .init(limits: limits)) == nil)
        #expect(parseError([UInt8](xml: "<r><!-- <!DOCTYPE r> --></r>")) == nil)
        #expect(parseError([UInt8](xml: "<!-- x --><!DOCTYPE r><r/>")) == .forbiddenConstruct(.doctype))
        #expect(parseError([UInt8](xml: "<r/><!DOCTYPE r>")) == .forbiddenConstruct(.doctype))
    }

    @Test func parsesConcurrently() async {
        let parser = XMLDocumentParser()
        await withTaskGroup(of: Bool.self) { group in
            for index in 0..<64 {
                group.addTask {
                    let xml = index.isMultiple(of: 2) ? "<a><b>\(index)</b></a>" : "<a><b>\(index)</a>"
                    return (try? parser.parse([UInt8](xml: xml))) != nil
                }
            }
            var parsed = 0
            for await ok in group where ok { parsed += 1 }
            #expect(parsed == 32)
        }
    }

    @Test func reportsStableReasonCodes() {
        #expect(XMLError.malformed(line: 1, column: 1, message: "x").reason == "xml_malformed")
        #expect(XMLError.forbiddenConstruct(.doctype).reason == "xml_forbidden_construct")
        #expect(XMLError.limitExceeded(.depth).reason == "xml_limit_exceeded")
    }
}
