import Foundation
import Yams

/// Loads a policy from one YAML file or a folder of them, validating everything once.
///
/// Parse, then validate: the YAML tree is read into settings, every problem is collected
/// with its file and line, and only a policy without any problem is returned.
public enum PolicyLoader {
    static let topKeys: Set<String> = ["listen", "audit", "dns", "clients", "admin", "defaults", "upstreams"]

    /// Loads `path` (a `.yaml`/`.yml` file, or a folder whose such files are merged in name order).
    public static func load(path: String) throws(PolicyErrors) -> Policy {
        let files: [String]
        do {
            files = try policyFiles(at: path)
        } catch {
            throw PolicyErrors([error])
        }
        var state = MergeState()
        for file in files {
            state.read(file: file)
        }
        return try state.finish(root: path)
    }

    static func policyFiles(at path: String) throws(PolicyError) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PolicyError(file: path, line: 0, column: 0, message: "no such file or folder")
        }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let files = names.filter { $0.lowercased().hasSuffix(".yaml") || $0.lowercased().hasSuffix(".yml") }.sorted()
            .map { (path as NSString).appendingPathComponent($0) }
        guard !files.isEmpty else {
            throw PolicyError(file: path, line: 0, column: 0, message: "folder holds no .yaml or .yml policy file")
        }
        return files
    }

    /// Resolves a path named in a policy against the folder of the file that names it.
    static func resolve(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL.path }
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        return URL(fileURLWithPath: path, relativeTo: folder).standardizedFileURL.path
    }
}

/// Settings gathered across files before validation of the whole.
struct MergeState {
    var errors: [PolicyError] = []
    var listen: (Policy.Listen, String)?
    var auditFile: (String, String)?
    var staticDNS: [String: [IPAddress]] = [:]
    var defaults = UpstreamDefaults()
    var defaultsFile: String?
    var rawUpstreams: [(name: String, node: Node, keyNode: Node, file: String)] = []
    var rawClients: [(name: String, node: Node, keyNode: Node, file: String)] = []
    /// `admin.clients` as written (checked against the clients once every file is read).
    var adminClientsNode: (Node, String)?
    var adminClients: Set<String>?
    var sources: [String] = []

    mutating func read(file: String) {
        sources.append(file)
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            errors.append(PolicyError(file: file, line: 0, column: 0, message: "cannot read file as UTF-8"))
            return
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            errors.append(Self.yamlError(error, file: file))
            return
        } catch {
            errors.append(PolicyError(file: file, line: 0, column: 0, message: "\(error)"))
            return
        }
        var reader = YAMLReader(file: file)
        guard let root else {
            // A file that holds nothing is a mistake (a truncated copy, a wrong path): in a folder it
            // could drop `defaults.clients` or `defaults.limits` without a word.
            errors.append(PolicyError(file: file, line: 0, column: 0, message: "the file is empty"))
            return
        }
        reader.refuseTagsAndAliases(root)
        for (key, keyNode, value) in reader.mapping(root, context: "policy", allowed: PolicyLoader.topKeys) {
            switch key {
            case "listen":
                guard let text = reader.string(value, context: "listen") else { break }
                if let listen = Policy.Listen.parse(text) {
                    if let previous = listen_file() { reader.fail(keyNode, "listen is already set in \(previous)") }
                    self.listen = (listen, file)
                } else {
                    reader.fail(value, "listen must be HOST:PORT with an IP address or localhost, not '\(text)'")
                }
            case "audit":
                for (akey, _, avalue) in reader.mapping(value, context: "audit", allowed: ["file"]) where akey == "file" {
                    guard let path = reader.string(avalue, context: "audit.file"), !path.isEmpty else {
                        reader.fail(avalue, "audit.file must be a path")
                        continue
                    }
                    if let previous = auditFile { reader.fail(avalue, "audit.file is already set in \(previous.1)") }
                    auditFile = (PolicyLoader.resolve(path, relativeTo: file), file)
                }
            case "dns":
                readDNS(value, reader: &reader)
            case "defaults":
                if let previous = defaultsFile { reader.fail(keyNode, "defaults are already set in \(previous)") }
                defaultsFile = file
                defaults.read(value, reader: &reader)
            case "upstreams":
                for (name, nameNode, unode) in reader.mapping(value, context: "upstreams") {
                    rawUpstreams.append((name, unode, nameNode, file))
                }
            case "clients":
                for (name, nameNode, cnode) in reader.mapping(value, context: "clients") {
                    rawClients.append((name, cnode, nameNode, file))
                }
            case "admin":
                for (akey, akeyNode, avalue) in reader.mapping(value, context: "admin", allowed: ["clients"]) where akey == "clients" {
                    if let previous = adminClientsNode { reader.fail(akeyNode, "admin.clients is already set in \(previous.1)") }
                    adminClientsNode = (avalue, file)
                }
            default:
                break
            }
        }
        errors += reader.errors
    }

    private func listen_file() -> String? { listen?.1 }

    mutating func readDNS(_ node: Node, reader: inout YAMLReader) {
        for (key, _, value) in reader.mapping(node, context: "dns", allowed: ["static"]) where key == "static" {
            for (name, nameNode, list) in reader.mapping(value, context: "dns.static") {
                let host: String
                do {
                    guard case .name(let normalized) = try URLParser.normalizeHost(name) else {
                        reader.fail(nameNode, "dns.static: '\(name)' is an address, not a name")
                        continue
                    }
                    host = normalized
                } catch {
                    reader.fail(nameNode, "dns.static: '\(name)' is not a valid host name: \(error.message)")
                    continue
                }
                var addresses: [IPAddress] = []
                for (text, itemNode) in reader.strings(list, context: "dns.static.\(name)") {
                    if let address = IPAddress(text) {
                        addresses.append(address)
                    } else {
                        reader.fail(itemNode, "dns.static.\(name): '\(text)' is not an IP address")
                    }
                }
                if addresses.isEmpty { reader.fail(list, "dns.static.\(name) needs at least one address") }
                if staticDNS[host] != nil { reader.fail(nameNode, "dns.static: '\(host)' is defined twice") }
                staticDNS[host] = addresses
            }
        }
    }

    /// The clients of every file, then the defaults' client list, which may name any of them.
    mutating func finishClients() -> ClientDirectory {
        var clients: [(Client, Node, String)] = []
        var seen: [String: String] = [:]
        for raw in rawClients {
            var reader = YAMLReader(file: raw.file)
            if let previous = seen[raw.name] {
                reader.fail(raw.keyNode, "client '\(raw.name)' is already defined in \(previous)")
            } else if let client = ClientParser.parse(name: raw.name, nameNode: raw.keyNode, node: raw.node, reader: &reader) {
                clients.append((client, raw.keyNode, raw.file))
            }
            seen[raw.name] = raw.file
            errors += reader.errors
        }
        ClientParser.checkOverlaps(clients, errors: &errors)
        let directory = ClientDirectory(clients: clients.map(\.0))
        if let (node, file) = defaults.clientsNode {
            var reader = YAMLReader(file: file)
            defaults.clients = ClientParser.list(node, context: "defaults.clients", directory: directory, reader: &reader)
            errors += reader.errors
        }
        if let (node, file) = adminClientsNode {
            var reader = YAMLReader(file: file)
            adminClients = ClientParser.list(node, context: "admin.clients", directory: directory, reader: &reader)
            errors += reader.errors
        }
        return directory
    }

    mutating func finish(root: String) throws(PolicyErrors) -> Policy {
        let directory = finishClients()
        var upstreams: [Upstream] = []
        var seen: [String: String] = [:]
        for raw in rawUpstreams {
            var reader = YAMLReader(file: raw.file)
            if let previous = seen[raw.name] {
                reader.fail(raw.keyNode, "upstream '\(raw.name)' is already defined in \(previous)")
            } else if let upstream = UpstreamParser.parse(name: raw.name, nameNode: raw.keyNode, node: raw.node, defaults: defaults, directory: directory, reader: &reader) {
                upstreams.append(upstream)
            }
            seen[raw.name] = raw.file
            errors += reader.errors
        }
        if rawUpstreams.isEmpty && errors.isEmpty {
            errors.append(PolicyError(file: root, line: 0, column: 0, message: "no upstreams: the policy would deny every call"))
        }
        guard errors.isEmpty else { throw PolicyErrors(errors) }
        let audit = auditFile?.0 ?? PolicyLoader.resolve(".airlock/audit.jsonl", relativeTo: sources.first ?? root)
        var policy = Policy(listen: listen?.0 ?? Policy.defaultListen, auditFile: audit, staticDNS: staticDNS, clients: directory, upstreams: upstreams, sources: sources)
        policy.adminClients = adminClients
        return policy
    }

    static func yamlError(_ error: YamlError, file: String) -> PolicyError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return PolicyError(file: file, line: mark.line, column: mark.column, message: "YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return PolicyError(file: file, line: context.mark.line, column: context.mark.column,
                               message: "duplicate key(s): \(duplicates.joined(separator: ", "))")
        default:
            return PolicyError(file: file, line: 0, column: 0, message: "YAML: \(error)")
        }
    }
}
