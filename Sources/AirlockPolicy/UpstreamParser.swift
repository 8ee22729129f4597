import AirlockCore
import Yams

/// The `defaults:` section: values every upstream inherits unless it sets its own.
struct UpstreamDefaults {
    var redirects: Upstream.Redirects = .block
    var limits: Limits = .defaults
    /// `defaults.clients` and its file, read once the whole policy's clients are known (they may be in another file).
    var clientsNode: (Node, String)?
    var clients: Set<String>?

    mutating func read(_ node: Node, reader: inout YAMLReader) {
        for (key, _, value) in reader.mapping(node, context: "defaults", allowed: ["redirects", "limits", "clients"]) {
            switch key {
            case "clients":
                clientsNode = (value, reader.file)
            case "redirects":
                if let r: Upstream.Redirects = reader.choice(value, context: "defaults.redirects") { redirects = r }
            default:
                limits = UpstreamParser.limits(value, base: limits, context: "defaults.limits", reader: &reader)
            }
        }
    }
}

/// Validates one `upstreams.<name>` entry.
enum UpstreamParser {
    static let keys: Set<String> = [
        "url", "hosts", "ports", "methods", "paths", "tunnel", "mode", "allow_addresses", "redirects", "limits",
        "responses", "unmatched", "set_cookie", "clients",
    ]
    static let limitKeys: Set<String> = ["response_bytes", "request_bytes", "connect_timeout", "timeout", "compression_ratio", "concurrent_calls", "rate", "burst"]

    static func parse(name: String, nameNode: Node, node: Node, defaults: UpstreamDefaults, directory: ClientDirectory, reader: inout YAMLReader) -> Upstream? {
        let errorsBefore = reader.errors.count
        let ctx = "upstreams.\(name)"
        if !isValidName(name) {
            reader.fail(nameNode, "upstream name '\(name)' must be lower-case letters, digits, '-' or '_' (it is a gateway path segment)")
        }
        var url: TargetURL?
        var hosts: [HostPattern] = []
        var ports: Set<Int> = []
        var methods: Set<String> = ["GET", "HEAD"]
        var paths: [PathPattern] = [PathPattern("/**")!]
        var tunnel = Upstream.Tunnel.deny
        var mode = Upstream.Mode.enforce
        var allow: [CIDR] = []
        var redirects = defaults.redirects
        var limits = defaults.limits
        var sawURL = false
        var responses: [ResponseRule] = []
        var unmatched = Upstream.Unmatched.allow
        var setCookie = false
        var clients = defaults.clients

        for (key, _, value) in reader.mapping(node, context: ctx, allowed: keys) {
            let kctx = "\(ctx).\(key)"
            switch key {
            case "url":
                sawURL = true
                url = parseURL(value, context: kctx, reader: &reader)
            case "hosts":
                for (text, item) in reader.strings(value, context: kctx) {
                    do throws(HostPatternError) {
                        hosts.append(try HostPattern(text))
                    } catch {
                        reader.fail(item, "\(kctx): '\(text)': \(error.message)")
                    }
                }
            case "ports":
                for (text, item) in reader.strings(value, context: kctx) {
                    if let port = Int(text), (1...65535).contains(port), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                        ports.insert(port)
                    } else {
                        reader.fail(item, "\(kctx): '\(text)' is not a port (1-65535)")
                    }
                }
            case "methods":
                methods = []
                for (text, item) in reader.strings(value, context: kctx) {
                    let upper = text.uppercased()
                    if isToken(upper) { methods.insert(upper) } else { reader.fail(item, "\(kctx): '\(text)' is not an HTTP method") }
                }
                if methods.contains("CONNECT") { reader.fail(value, "\(kctx): CONNECT is governed by 'tunnel', not 'methods'") }
            case "paths":
                paths = []
                for (text, item) in reader.strings(value, context: kctx) {
                    if let pattern = PathPattern(text) {
                        paths.append(pattern)
                    } else {
                        reader.fail(item, "\(kctx): '\(text)' is not a path pattern (must start with '/', no '.' or '..' segments, '**' only as a whole segment)")
                    }
                }
            case "tunnel":
                if let t: Upstream.Tunnel = reader.choice(value, context: kctx) { tunnel = t }
            case "mode":
                if let m: Upstream.Mode = reader.choice(value, context: kctx) { mode = m }
            case "allow_addresses":
                for (text, item) in reader.strings(value, context: kctx) {
                    if let cidr = CIDR(text) {
                        // /0 is every address: it would switch the special-range block off for this upstream.
                        if cidr.prefixLength == 0 {
                            reader.fail(item, "\(kctx): '\(text)' is every address; name the blocks this upstream needs")
                        } else {
                            allow.append(cidr)
                        }
                    } else {
                        reader.fail(item, "\(kctx): '\(text)' is not a CIDR (e.g. 10.0.0.0/8, fd00::/8)")
                    }
                }
            case "redirects":
                if let r: Upstream.Redirects = reader.choice(value, context: kctx) { redirects = r }
            case "responses":
                responses = ResponseRuleParser.parse(value, upstream: name, reader: &reader)
            case "unmatched":
                if let u: Upstream.Unmatched = reader.choice(value, context: kctx) { unmatched = u }
            case "clients":
                clients = ClientParser.list(value, context: kctx, directory: directory, reader: &reader)
            case "set_cookie":
                if let c = reader.choice(value, context: kctx, [("strip", false), ("allow", true)]) { setCookie = c }
            default:
                limits = Self.limits(value, base: limits, context: kctx, reader: &reader)
            }
        }
        if !sawURL { reader.fail(nameNode, "\(ctx): 'url' is required") }
        guard let url, reader.errors.count == errorsBefore else { return nil }
        // The URL's own host always identifies the upstream; `hosts` adds more.
        if let own = try? HostPattern(url.host.text), !hosts.contains(own) { hosts.insert(own, at: 0) }
        if ports.isEmpty { ports = [url.port] }
        return Upstream(
            name: name, url: url, hosts: hosts, ports: ports, methods: methods, paths: paths, tunnel: tunnel,
            mode: mode, allowAddresses: allow, redirects: redirects, limits: limits,
            responses: responses, unmatched: unmatched, allowSetCookie: setCookie,
            clients: clients.map { names in (names, names.contains { directory.client(named: $0)?.tokenDigest != nil }) },
            source: "\(reader.file):\(nameNode.mark?.line ?? 0)"
        )
    }


    static func parseURL(_ node: Node, context: String, reader: inout YAMLReader) -> TargetURL? {
        guard let text = reader.string(node, context: context) else { return nil }
        let url: TargetURL
        do {
            url = try URLParser.parse(text)
        } catch {
            reader.fail(node, "\(context): '\(text)' is not a valid URL: \(error.message)")
            return nil
        }
        guard url.scheme == "http" || url.scheme == "https" else {
            reader.fail(node, "\(context): scheme must be http or https, not '\(url.scheme)'")
            return nil
        }
        guard url.query == nil, !text.contains("#") else {
            reader.fail(node, "\(context): must not have a query or a fragment")
            return nil
        }
        guard !Router.hasForbiddenPathShape(url.path) else {
            reader.fail(node, "\(context): path must not contain dot segments or encoded slashes")
            return nil
        }
        return url
    }

    static func limits(_ node: Node, base: Limits, context: String, reader: inout YAMLReader) -> Limits {
        var limits = base
        var rate: (calls: Int, seconds: Int)??      // .some(nil): `rate: none`
        var burst: (Int, Node)?
        for (key, _, value) in reader.mapping(node, context: context, allowed: limitKeys) {
            guard let text = reader.string(value, context: "\(context).\(key)") else { continue }
            switch key {
            case "rate":
                if text == "none" {
                    rate = .some(nil)
                } else if let parsed = Limits.Rate.parse(text) {
                    rate = parsed
                } else {
                    reader.fail(value, "\(context).\(key): '\(text)' is not a rate (calls per second, minute or hour: 10/s, 600/m, 1000/h; or none)")
                }
            case "burst":
                guard let calls = Int(text), calls >= 1, calls <= 1_000_000, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                    reader.fail(value, "\(context).\(key): '\(text)' is not a number of calls (a whole number 1-1000000)")
                    continue
                }
                burst = (calls, value)
            case "compression_ratio":
                guard let ratio = Int(text), ratio >= 1, ratio <= 100_000 else {
                    reader.fail(value, "\(context).\(key): '\(text)' is not a ratio (a whole number 1-100000, e.g. 100 for 100:1)")
                    continue
                }
                limits.compressionRatio = ratio
            case "concurrent_calls":
                guard let calls = Int(text), calls >= 1, calls <= 100_000 else {
                    reader.fail(value, "\(context).\(key): '\(text)' is not a number of calls (a whole number 1-100000)")
                    continue
                }
                limits.concurrentCalls = calls
            case "response_bytes", "request_bytes":
                guard let bytes = Quantity.bytes(text), bytes > 0 else {
                    reader.fail(value, "\(context).\(key): '\(text)' is not a size (e.g. 512KiB, 5MiB)")
                    continue
                }
                if key == "response_bytes" { limits.responseBytes = bytes } else { limits.requestBytes = bytes }
            default:
                guard let ms = Quantity.milliseconds(text), ms > 0 else {
                    reader.fail(value, "\(context).\(key): '\(text)' is not a duration (e.g. 250ms, 3s, 1m)")
                    continue
                }
                if key == "timeout" { limits.timeoutMs = ms } else { limits.connectTimeoutMs = ms }
            }
        }
        switch (rate, burst) {
        case (.some(.some(let r)), _):
            limits.rate = Limits.Rate(calls: r.calls, seconds: r.seconds, burst: burst?.0)
        case (.some(.none), let b?):
            reader.fail(b.1, "\(context).burst: a burst needs a rate (rate: none turns the rate limit off)")
        case (.some(.none), nil):
            limits.rate = nil
        case (nil, let b?):
            if let base = limits.rate {
                limits.rate = Limits.Rate(calls: base.calls, seconds: base.seconds, burst: b.0)
            } else {
                reader.fail(b.1, "\(context).burst: a burst needs a rate (e.g. rate: 10/s)")
            }
        case (nil, nil):
            break
        }
        return limits
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, (0x61...0x7a).contains(first) || (0x30...0x39).contains(first) else { return false }
        return name.utf8.count <= 64 && name.utf8.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2d || $0 == 0x5f }
    }

    /// RFC 9110 §5.6.2 token characters.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy(HTTPText.isTokenByte)
    }
}
