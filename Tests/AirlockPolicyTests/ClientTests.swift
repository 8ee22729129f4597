import AirlockCore
import Foundation
import Testing
@testable import AirlockPolicy

/// Clients: the `clients:` section, identification by address and by token, the upstream
/// client lists, the rate limit's policy syntax, and the SHA-256 the tokens are compared with.
struct ClientTests {
    /// Loads `yaml` from a temporary file: the policy, or the errors as "line: message".
    static func load(_ yaml: String) -> (policy: Policy?, errors: [String]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-clients-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("policy.yaml")
        try? yaml.write(to: file, atomically: true, encoding: .utf8)
        do {
            return (try PolicyLoader.load(path: file.path), [])
        } catch {
            return (nil, error.errors.map { "\($0.line): \($0.message)" })
        }
    }

    static func valid() throws -> Policy {
        let (policy, errors) = load(validYAML)
        return try #require(policy, "\(errors)")
    }

    static let digest = SHA256.hex(SHA256.hash(Array("s3cret-token".utf8)))

    static let validYAML = """
        clients:
          billing:
            addresses: [10.20.0.0/16, "::ffff:10.30.0.0/112"]
          billing-db:
            addresses: [10.20.5.0/24]
          reports:
            token_sha256: \(digest)
            addresses: [10.40.0.0/16]
          anywhere:
            token_sha256: \(SHA256.hex(SHA256.hash(Array("other".utf8))))
        defaults:
          clients: [billing, reports]
          limits: { rate: 10/s }
        upstreams:
          stripe:
            url: https://api.stripe.com
            clients: [billing]
            limits: { rate: 600/m, burst: 50 }
          partner:
            url: https://partner.example.com
          free:
            url: https://free.example.com
            limits: { rate: none }
        """

    @Test func loadsClientsListsAndRates() throws {
        let policy = try Self.valid()
        #expect(policy.clients.clients.map(\.name) == ["billing", "billing-db", "reports", "anywhere"])
        let stripe = try #require(policy.upstream(named: "stripe"))
        #expect(stripe.clients == ["billing"])
        #expect(!stripe.clientsAuthenticate)
        #expect(stripe.limits.rate == Limits.Rate(calls: 600, seconds: 60, burst: 50))
        let partner = try #require(policy.upstream(named: "partner"))
        #expect(partner.clients == ["billing", "reports"], "defaults.clients is inherited")
        #expect(partner.clientsAuthenticate)
        #expect(partner.limits.rate == Limits.Rate(calls: 10, seconds: 1, burst: 10))
        #expect(policy.upstream(named: "free")?.limits.rate == nil)
        #expect(stripe.limits.summary.hasSuffix(", rate 600/m burst 50"))
    }

    @Test func identifiesByTheMostSpecificAddressBlock() throws {
        let clients = try Self.valid().clients
        #expect(clients.identify(address: IPAddress("10.20.1.1")) == "billing")
        #expect(clients.identify(address: IPAddress("10.20.5.9")) == "billing-db")
        #expect(clients.identify(address: IPAddress("::ffff:10.20.5.9")) == "billing-db", "a v4 client on a dual-stack listener")
        #expect(clients.identify(address: IPAddress("10.40.0.1")) == nil, "a token client is never identified by address alone")
        #expect(clients.identify(address: IPAddress("10.21.0.1")) == nil)
        #expect(clients.identify(address: IPAddress("10.30.7.7")) == "billing", "::ffff:10.30.0.0/112 in the policy is 10.30.0.0/16")
        #expect(clients.identify(address: nil) == nil)
    }

    @Test func authenticatesTokensAndRefusesEverythingElse() throws {
        let clients = try Self.valid().clients
        let inside = IPAddress("10.40.1.2"), outside = IPAddress("10.20.1.1")
        func basic(_ text: String) -> String { "Basic " + Data(text.utf8).base64EncodedString() }
        #expect(try clients.authenticate(authorization: basic("reports:s3cret-token"), address: inside).get() == "reports")
        #expect(try clients.authenticate(authorization: "Bearer s3cret-token", address: inside).get() == "reports")
        #expect(try clients.authenticate(authorization: "bearer   s3cret-token ", address: inside).get() == "reports")
        #expect(try clients.authenticate(authorization: "Bearer other", address: outside).get() == "anywhere", "no addresses: from anywhere")
        let refused: [(header: String, address: IPAddress?, message: String)] = [
            (basic("reports:s3cret-token"), outside, "may not authenticate from 10.20.1.1"),
            (basic("reports:wrong"), inside, "wrong token for client 'reports'"),
            (basic("anywhere:s3cret-token"), inside, "wrong token for client 'anywhere'"),
            (basic("billing:s3cret-token"), inside, "name no client that authenticates with a token"),
            (basic("s3cret-token:x"), inside, "name no client that authenticates with a token"),
            (basic("reports:"), inside, "the token is empty"),
            (basic("reports"), inside, "not base64 of name:token"),
            ("Basic !!!", inside, "not base64"),
            ("Bearer nope", inside, "belongs to no client"),
            ("Bearer", inside, "is not 'Basic …' or 'Bearer …'"),
            ("Negotiate abc", inside, "scheme 'negotiate' is not Basic or Bearer"),
        ]
        for (header, address, message) in refused {
            switch clients.authenticate(authorization: header, address: address) {
            case .success(let name): Issue.record("\(header) authenticated as \(name)")
            case .failure(let denial):
                #expect(denial.reason == .clientUnauthenticated, "\(header)")
                #expect(denial.detail.contains(message), "\(header): \(denial.detail)")
            }
        }
    }

    @Test func routerAppliesTheUpstreamsClientList() throws {
        let policy = try Self.valid()
        func reason(_ decision: Decision<Route>) -> Reason? {
            if case .deny(let denial, _) = decision { return denial.reason }
            return nil
        }
        #expect(reason(Router.gateway(policy: policy, client: "billing", method: "GET", target: "/stripe/v1/x")) == nil)
        #expect(reason(Router.gateway(policy: policy, client: "reports", method: "GET", target: "/stripe/v1/x")) == .clientNotPermitted)
        #expect(reason(Router.gateway(policy: policy, client: nil, method: "GET", target: "/stripe/v1/x")) == .clientNotPermitted)
        #expect(reason(Router.gateway(policy: policy, client: nil, method: "GET", target: "/partner/x")) == .clientUnauthenticated,
                "an unidentified caller is asked to authenticate where a listed client has a token")
        #expect(reason(Router.gateway(policy: policy, client: "billing-db", method: "GET", target: "/partner/x")) == .clientUnauthenticated,
                "so is a caller identified only by its address")
        #expect(reason(Router.gateway(policy: policy, client: "anywhere", method: "GET", target: "/partner/x")) == .clientNotPermitted,
                "a caller that authenticated as another client is not permitted")
        #expect(reason(Router.gateway(policy: policy, client: "anywhere", method: "GET", target: "/free/x")) == .clientNotPermitted)
        #expect(reason(Router.forward(policy: policy, client: "billing", method: "GET", absoluteURL: "https://api.stripe.com/v1")) == nil)
        #expect(reason(Router.forward(policy: policy, client: "reports", method: "GET", absoluteURL: "https://api.stripe.com/v1")) == .clientNotPermitted)
        if case .allow(let route) = Router.gateway(policy: policy, client: "billing", method: "GET", target: "/stripe/v1/x") {
            #expect(route.client == "billing", "the route carries the client, so redirect hops are decided for it too")
        }
    }

    @Test(arguments: [
        ("clients:\n  Bad:\n    addresses: [10.0.0.0/8]\n", "2: client name 'Bad' must be lower-case"),
        ("clients:\n  a:\n    addresses: [10.0.0.0/33]\n", "3: clients.a.addresses: '10.0.0.0/33' is not a CIDR"),
        ("clients:\n  a:\n    addresses: []\n", "3: clients.a.addresses must name at least one CIDR"),
        ("clients:\n  a: {}\n", "2: clients.a needs addresses, token_sha256 or both"),
        ("clients:\n  a:\n    token_sha256: s3cret\n", "3: clients.a.token_sha256 must be the 64 hex digits"),
        ("clients:\n  a:\n    token: x\n", "3: clients.a: unknown key 'token'"),
        ("clients:\n  a:\n    addresses: [10.0.0.0/8]\n  b:\n    addresses: [10.0.0.0/8]\n", "4: clients.b: 10.0.0.0/8 is also client 'a'"),
        ("clients:\n  a:\n    token_sha256: \(String(repeating: "0f", count: 32))\n  b:\n    token_sha256: \(String(repeating: "0F", count: 32))\n",
         "4: clients.b: token_sha256 is also client 'a''s"),
        ("clients:\n  a:\n    addresses: [10.0.0.0/8]\n", "7: upstreams.u.clients: no client named 'nobody' (clients: a)"),
        ("", "4: upstreams.u.clients: no client named 'nobody' (the policy has no clients: section)"),
        ("defaults:\n  clients: []\n", "2: defaults.clients is empty"),
        ("admin:\n  clients: [ghost]\n", "2: admin.clients: no client named 'ghost'"),
        ("admin:\n  metrics: open\n", "2: admin: unknown key 'metrics'"),
        ("defaults:\n  limits: { burst: 5 }\n", "2: defaults.limits.burst: a burst needs a rate"),
        ("defaults:\n  limits: { rate: 10/day }\n", "2: defaults.limits.rate: '10/day' is not a rate"),
        ("defaults:\n  limits: { rate: 0/s }\n", "2: defaults.limits.rate: '0/s' is not a rate"),
        ("defaults:\n  limits: { rate: 5/s, burst: 0 }\n", "2: defaults.limits.burst: '0' is not a number of calls"),
    ])
    func refusesBrokenClientRulesWithTheirLine(prefix: String, expected: String) {
        let yaml = prefix + """
            upstreams:
              u:
                url: https://u.example.com
                clients: [nobody]

            """
        // The `nobody` list is an error of its own; each case asks for the one it names.
        let (policy, errors) = Self.load(yaml)
        #expect(policy == nil, "loaded: \(prefix)")
        #expect(errors.contains { $0.hasPrefix(expected) }, "\(errors)")
    }

    /// FIPS 180-4 example vectors, and the NIST long-message one.
    @Test func sha256MatchesTheStandardVectors() {
        let vectors: [(String, String)] = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
             "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
            (String(repeating: "a", count: 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
        ]
        for (message, expected) in vectors {
            #expect(SHA256.hex(SHA256.hash(Array(message.utf8))) == expected, "\(message.prefix(20))")
        }
        // Lengths around the padding boundaries (55/56 bytes fit or spill a block), digests from sha256sum.
        let boundaries: [(Int, String)] = [
            (55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"),
            (56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"),
            (63, "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2"),
            (64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"),
            (119, "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c"),
            (120, "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98"),
        ]
        for (count, expected) in boundaries {
            #expect(SHA256.hex(SHA256.hash(Array(repeating: UInt8(ascii: "x"), count: count))) == expected, "\(count) bytes")
        }
        #expect(SHA256.bytes(hex: "00ff10Ab") == [0x00, 0xff, 0x10, 0xab])
        #expect(SHA256.bytes(hex: "0g") == nil && SHA256.bytes(hex: "abc") == nil)
        #expect(SHA256.equal([1, 2, 3], [1, 2, 3]) && !SHA256.equal([1, 2, 3], [1, 2, 4]) && !SHA256.equal([1], [1, 1]))
    }
}
