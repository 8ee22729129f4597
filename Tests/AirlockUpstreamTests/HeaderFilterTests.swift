import AirlockUpstream
import Testing

/// Header names compare without regard to ASCII case (RFC 9110 §5.1); the filters compare in place.
@Suite struct HeaderFilterTests {
    @Test func responseFieldsAreFilteredWhateverTheirCase() {
        let fields: [(name: String, value: String)] = [
            ("CONTENT-type", "application/json"), ("Content-LENGTH", "12"), ("SET-COOKIE", "a=b"), ("set-Cookie2", "c=d"),
            ("TRANSFER-ENCODING", "chunked"), ("CONNECTION", "X-Private, keep-alive"), ("x-PRIVATE", "1"),
            ("AIRLOCK-Reason", "forged"), ("Keep-Alive", "timeout=5"), ("X-Kept", "yes"), ("Contents-Length", "odd but kept"),
        ]
        let names = HeaderFilter.response(fields).map(\.name)
        #expect(names == ["CONTENT-type", "X-Kept", "Contents-Length"])
        #expect(HeaderFilter.response(fields, head: true, allowSetCookie: true).map(\.name)
                == ["CONTENT-type", "Content-LENGTH", "SET-COOKIE", "set-Cookie2", "X-Kept", "Contents-Length"])
    }

    @Test func requestFieldsAreFilteredWhateverTheirCase() {
        let fields: [(name: String, value: String)] = [
            ("HOST", "internal"), ("Proxy-AUTHORIZATION", "Basic x"), ("EXPECT", "100-continue"), ("te", "trailers"),
            ("Connection", "x-hop"), ("X-HOP", "1"), ("Airlock-Upstream", "other"), ("Authorization", "Bearer t"), ("Airlocks", "kept"),
        ]
        #expect(HeaderFilter.request(fields).map(\.name) == ["Authorization", "Airlocks"])
        #expect(HeaderFilter.crossOrigin([("AUTHORIZATION", "x"), ("cookie", "y"), ("Accept", "*/*")]).map(\.name) == ["Accept"])
        #expect(HeaderFilter.bodyReplaced([("Content-ENCODING", "gzip"), ("REPR-Digest", "sha-256=:x:"), ("ETag", "1")]).map(\.name) == ["ETag"])
    }
}
