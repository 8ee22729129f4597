import Foundation
import Testing

@testable import AirlockXML

/// The sanitizer hands on exactly the validated content: no comments, PIs or DOCTYPE, always UTF-8.
@Suite struct SanitizerTests {
    func sanitize(_ xml: String, allowsDoctype: Bool = false) throws -> String {
        let document = try XMLDocumentParser(configuration: .init(allowsDoctype: allowsDoctype)).parse([UInt8](xml: xml))
        return String(decoding: document.sanitized(), as: UTF8.self)
    }

    @Test func removesCommentsAndProcessingInstructions() throws {
        let out = try sanitize("""
            <?xml version="1.0" encoding="utf-8"?>
            <?xml-stylesheet type="text/xsl" href="http://evil.example/x.xsl"?>
            <!-- top -->
            <a><!-- inner --><?php system('id'); ?><b>x<!--c-->y</b></a>
            <!-- trailing -->
            """)
        #expect(out == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a><b>xy</b></a>\n")
    }

    @Test func removesToleratedDoctype() throws {
        let out = try sanitize(#"<!DOCTYPE a PUBLIC "-//X//DTD//EN" "http://example.invalid/a.dtd"><a/>"#, allowsDoctype: true)
        #expect(!out.contains("DOCTYPE"))
        #expect(out.contains("<a/>"))
    }

    @Test func keepsNamespacesAttributesCDATAAndEscapes() throws {
        let out = try sanitize(#"<p:a xmlns:p="urn:p" p:x="1 &amp; 2 &lt; 3" y="&quot;"><![CDATA[<raw>]]>&lt;t&gt;</p:a>"#)
        #expect(out.contains(#"<p:a xmlns:p="urn:p" p:x="1 &amp; 2 &lt; 3" y="&quot;"><![CDATA[<raw>]]>&lt;t&gt;</p:a>"#))
    }

    @Test func keepsSignificantWhitespaceAndNonASCII() throws {
        let out = try sanitize("<a>\n  <b> é 😀 </b>\n</a>")
        #expect(out.contains("<a>\n  <b> é 😀 </b>\n</a>"))
    }

    /// Escaping can make the output longer than the input (the first guess of the buffer size).
    @Test func sanitizesOutputLongerThanInput() throws {
        let xml = "<a b='\(String(repeating: "\"&#10;", count: 500))'>\(String(repeating: ">", count: 1_000))</a>"
        let out = try sanitize(xml)
        #expect(out.count > xml.utf8.count * 3 / 2)
        #expect(out.contains(String(repeating: "&quot;&#10;", count: 500)))
        #expect(out.contains(String(repeating: "&gt;", count: 1_000)))
    }

    @Test func sanitizedOutputParsesAgainToTheSameBytes() throws {
        let first = try sanitize(String(decoding: try Fixture.bytes("soap_valid.xml"), as: UTF8.self))
        let second = try sanitize(first)
        #expect(first == second)
    }
}
