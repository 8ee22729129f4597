import AirlockJSON
import Foundation

/// Throughput benchmark: parse + validate from bytes, reporting MB/s and documents/s.
/// Usage:
///   airlock-json-bench --stripe SPEC FIXTURES [--reps N]
///   airlock-json-bench --schema FILE [--pointer P] [--items] [--serialize] [--reps N] DOC...
/// `--items` validates each element of a top-level array against the schema (as `{"type": "array", "items":
/// {"$ref": schema}}`: one parse of the whole file, one validation per element).
/// `--serialize` runs what the egress proxy does per response: parse, `isValid`, then canonical re-serialization.

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

func readBytes(_ path: String) -> [UInt8] {
    guard let d = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    return [UInt8](d)
}

var args = Array(CommandLine.arguments.dropFirst())
var reps = 20
var schemaFile: String?
var pointer: String?
var items = false
var parseOnly = false
var serialize = false
var stripe: (String, String)?
var docs: [String] = []
while !args.isEmpty {
    let a = args.removeFirst()
    switch a {
    case "--reps": reps = Int(args.isEmpty ? "" : args.removeFirst()) ?? 20
    case "--schema": schemaFile = args.isEmpty ? nil : args.removeFirst()
    case "--pointer": pointer = args.isEmpty ? nil : args.removeFirst()
    case "--items": items = true
    case "--parse-only": parseOnly = true
    case "--serialize": serialize = true
    case "--stripe":
        guard args.count >= 2 else { fail("--stripe SPEC FIXTURES") }
        stripe = (args.removeFirst(), args.removeFirst())
    default: docs.append(a)
    }
}

/// A line of /proc/self/status in KiB (`VmRSS`, `VmHWM`), 0 where unavailable.
func procStatusKiB(_ field: String) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
    return 0
}

/// Resident memory before the documents are read (schema loaded and compiled); peak is measured from here.
var baselineKiB = 0

/// (validator, document bytes) pairs to time.
var work: [(JSONDocumentValidator, [UInt8])] = []
let parser = JSONParser(limits: .init(maxBytes: 1 << 30, maxDepth: 200))
do {
    if let (spec, fixtures) = stripe {
        let fix = try parser.parse(readBytes(fixtures))
        var registry = SchemaRegistry()
        let uri = try registry.loadFile(spec)
        for (name, value) in fix["resources"]?.objectValue ?? [] {
            let schema = try CompiledSchema(uri: uri + "#/components/schemas/" + JSONPointer.escape(name),
                                            registry: registry, defaultDraft: .openAPI30)
            work.append((JSONDocumentValidator(schema: schema, options: .init()), JSONSerializer.serialize(value)))
        }
    } else if let schemaFile {
        let options = JSONDocumentValidator.Options(limits: .init(maxBytes: 1 << 30, maxArrayItems: 1 << 26))
        var v = try JSONDocumentValidator(schemaFile: schemaFile, pointer: pointer, refDirectories: [], options: options)
        if items {
            var registry = SchemaRegistry()
            let uri = try registry.loadFile(schemaFile)
            let draft = registry.document(at: uri).flatMap(SchemaDraft.forOpenAPIDocument) ?? .draft2020_12
            let ref = uri + "#" + (pointer ?? "").replacingOccurrences(of: "%", with: "%25")
            let list: JSONValue = .object([(key: "type", value: .string("array")),
                                           (key: "items", value: .object([(key: "$ref", value: .string(ref))]))])
            v = JSONDocumentValidator(schema: try CompiledSchema(schema: list, registry: registry, defaultDraft: draft),
                                      options: options)
        }
        // Reset the peak-RSS mark (Linux: "5" > clear_refs) so the peak below is the documents' own.
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        baselineKiB = procStatusKiB("VmRSS")
        for d in docs { work.append((v, readBytes(d))) }
    } else {
        fail("usage: airlock-json-bench --stripe SPEC FIXTURES | --schema FILE [--pointer P] [--items] DOC...")
    }
} catch {
    fail("setup failed: \(error)")
}

let totalBytes = work.reduce(0) { $0 + $1.1.count }
var invalid = 0
/// Sum of serialized lengths, so the optimizer cannot drop the serializer's work.
var serializedBytes = 0
let limits = JSONParser.Limits(maxBytes: 1 << 30, maxArrayItems: 1 << 26)
let clock = ContinuousClock()
/// Runs `reps` passes over all documents; returns seconds.
@MainActor func round(_ reps: Int) -> Double {
    let elapsed = clock.measure {
        for _ in 0..<reps {
            for (v, bytes) in work {
                if serialize {
                    guard let tape = try? JSONParser(limits: limits).parseTape(bytes), v.schema.isValid(tape) else {
                        invalid += 1
                        continue
                    }
                    serializedBytes &+= JSONSerializer.serialize(tape.value, reservingCapacity: bytes.count).count
                } else if parseOnly {
                    if (try? JSONParser(limits: limits).parse(bytes)) == nil { invalid += 1 }
                } else if case .valid = v.validate(bytes) {
                } else {
                    invalid += 1
                }
            }
        }
    }
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}
// Five rounds; the best one is reported (this VM's timing noise is large).
let perRound = max(1, reps / 5)
var best = Double.infinity
var total = 0.0
for _ in 0..<5 {
    let t = round(perRound)
    if ProcessInfo.processInfo.environment["BENCH_VERBOSE"] != nil { print("round", t) }
    total += t
    best = min(best, t)
}
let seconds = best
let mb = Double(totalBytes * perRound) / 1_000_000
let docsCount = Double(work.count * perRound)
print(String(format: "airlock: %.1f MB/s, %.0f docs/s (%d docs, %d bytes, %d reps/round, best round %.3f s, %d invalid)",
             mb / seconds, docsCount / seconds, work.count, totalBytes, perRound, seconds, invalid / 5))
if serialize { print("serialized bytes per pass:", serializedBytes / (5 * perRound)) }
if baselineKiB > 0 {
    // Input bytes held + the parsed tree + validation, over what the loaded schema already used.
    let peak = procStatusKiB("VmHWM") - baselineKiB
    print(String(format: "MEMORY document peak %.1f MiB over the schema baseline for %.1f MB of documents (%.2fx)",
                 Double(peak) / 1024, Double(totalBytes) / 1e6, Double(peak * 1024) / Double(max(totalBytes, 1))))
}
print(String(format: "RESULT %.3f %.3f", mb / seconds, docsCount / seconds))
