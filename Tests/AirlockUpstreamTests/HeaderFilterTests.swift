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

    /// A hostile upstream chooses how many names its `Connection` header lists and how many fields
    /// follow: 200,000 of each is 4·10^10 comparisons for a scan per field (minutes on the one
    /// libcurl thread, every transfer stalled); a set of the names makes it linear.
    @Test(.timeLimit(.minutes(1))) func aHugeConnectionHeaderCostsLinearTime() {
        let count = 200_000
        let listed = (0..<count).map { "h\($0 % 100_000)" }.joined(separator: ",")
        var fields: [(name: String, value: String)] = [("Connection", listed)]
        for i in 0..<count { fields.append((name: i.isMultiple(of: 2) ? "H\(i)" : "k\(i)", value: "")) }
        let kept = HeaderFilter.response(fields)
        #expect(kept.count == count - 50_000, "every listed name is dropped, whatever its case, and nothing else")
        #expect(kept.allSatisfy { $0.name.hasPrefix("k") || Int($0.name.dropFirst())! >= 100_000 })
    }
}
