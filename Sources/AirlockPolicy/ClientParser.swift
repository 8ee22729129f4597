import AirlockCore
import Yams

/// Validates the `clients:` section and the client lists of upstreams and defaults.
enum ClientParser {
    static let keys: Set<String> = ["addresses", "token_sha256"]

    /// One `clients.<name>` entry.
    static func parse(name: String, nameNode: Node, node: Node, reader: inout YAMLReader) -> Client? {
        let errorsBefore = reader.errors.count
        let ctx = "clients.\(name)"
        if !UpstreamParser.isValidName(name) {
            reader.fail(nameNode, "client name '\(name)' must be lower-case letters, digits, '-' or '_'")
        }
        var addresses: [CIDR] = []
        var digest: [UInt8]?
        for (key, _, value) in reader.mapping(node, context: ctx, allowed: keys) {
            let kctx = "\(ctx).\(key)"
            switch key {
            case "addresses":
                for (text, item) in reader.strings(value, context: kctx) {
                    if let cidr = CIDR(text) { addresses.append(unmapped(cidr)) } else { reader.fail(item, "\(kctx): '\(text)' is not a CIDR (e.g. 10.20.0.0/16, 127.0.0.1)") }
                }
                if addresses.isEmpty && reader.errors.count == errorsBefore { reader.fail(value, "\(kctx) must name at least one CIDR") }
            default:
                guard let text = reader.string(value, context: kctx) else { continue }
                guard text.utf8.count == 64, let bytes = SHA256.bytes(hex: text) else {
                    reader.fail(value, "\(kctx) must be the 64 hex digits of the token's SHA-256 (printf %s \"$TOKEN\" | sha256sum), never the token itself")
                    continue
                }
                digest = bytes
            }
        }
        if addresses.isEmpty && digest == nil && reader.errors.count == errorsBefore {
            reader.fail(nameNode, "\(ctx) needs addresses, token_sha256 or both: nothing would identify it")
        }
        guard reader.errors.count == errorsBefore else { return nil }
        return Client(name: name, addresses: addresses, tokenDigest: digest, source: "\(reader.file):\(nameNode.mark?.line ?? 0)")
    }

    /// The whole-section rules once every file is read: two token-less clients may not claim the
    /// same block (which one a connection is would depend on file order), and a token identifies
    /// one client only.
    static func checkOverlaps(_ clients: [(Client, Node, String)], errors: inout [PolicyError]) {
        var holder: [[UInt8]: String] = [:]
        for (client, node, file) in clients {
            guard let digest = client.tokenDigest else { continue }
            if let other = holder[digest] {
                var reader = YAMLReader(file: file)
                reader.fail(node, "clients.\(client.name): token_sha256 is also client '\(other)''s: a token must identify one client")
                errors += reader.errors
            }
            holder[digest] = client.name
        }
        var owner: [CIDR: String] = [:]
        for (client, node, file) in clients where client.tokenDigest == nil {
            for block in client.addresses {
                if let other = owner[block], other != client.name {
                    var reader = YAMLReader(file: file)
                    reader.fail(node, "clients.\(client.name): \(block) is also client '\(other)': a connection from it would be either")
                    errors += reader.errors
                }
                owner[block] = client.name
            }
        }
    }

    /// `::ffff:10.0.0.0/104` as the `10.0.0.0/8` it means: peers on a dual-stack listener are
    /// matched as IPv4 (`ClientDirectory.unmapped`), so the mapped spelling must be too.
    static func unmapped(_ cidr: CIDR) -> CIDR {
        let a = cidr.address
        guard !a.isV4, a.hi == 0, a.lo >> 32 == 0xFFFF, cidr.prefixLength >= 96 else { return cidr }
        return CIDR(network: .v4(UInt32(truncatingIfNeeded: a.lo)), prefixLength: cidr.prefixLength - 96)
    }

    /// An upstream's (or the defaults') `clients: [a, b]`: names defined in `clients:`.
    static func list(_ node: Node, context: String, directory: ClientDirectory, reader: inout YAMLReader) -> Set<String>? {
        var names: Set<String> = []
        let before = reader.errors.count
        for (text, item) in reader.strings(node, context: context) {
            if directory.client(named: text) == nil {
                let known = directory.clients.map(\.name)
                reader.fail(item, "\(context): no client named '\(text)'" + (known.isEmpty ? " (the policy has no clients: section)" : " (clients: \(known.joined(separator: ", ")))"))
            } else {
                names.insert(text)
            }
        }
        if names.isEmpty && reader.errors.count == before {
            reader.fail(node, "\(context) is empty: no client could call; name at least one, or remove the key to let every client call")
        }
        return reader.errors.count == before ? names : nil
    }
}
