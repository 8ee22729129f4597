// Times Airlock's XML validation (parse + XSD + sanitize, schema compiled once) for bench/xml-bench.sh.
// Usage: airlock-xml-bench SCHEMA.xsd DOC.xml... [--repeat N] [--max-bytes N] [--no-sanitize]
import AirlockXML
import Foundation

var arguments = Array(CommandLine.arguments.dropFirst())
var repetitions = 1
var limits = XMLLimits()
if let index = arguments.firstIndex(of: "--repeat"), index + 1 < arguments.count {
    repetitions = Int(arguments[index + 1]) ?? 1
    arguments.removeSubrange(index...index + 1)
}
var phases = false
if let index = arguments.firstIndex(of: "--phases") {
    phases = true
    arguments.remove(at: index)
}
var sanitizes = true
if let index = arguments.firstIndex(of: "--no-sanitize") {
    sanitizes = false
    arguments.remove(at: index)
}
if let index = arguments.firstIndex(of: "--max-bytes"), index + 1 < arguments.count {
    limits.maxBytes = Int(arguments[index + 1]) ?? limits.maxBytes
    arguments.removeSubrange(index...index + 1)
}
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: airlock-xml-bench SCHEMA.xsd DOC.xml... [--repeat N]\n".utf8))
    exit(2)
}

/// Reads a whole file straight into a byte array (no intermediate `Data` copy).
func readFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    guard fseek(file, 0, SEEK_END) == 0 else { return nil }
    let size = ftell(file)
    guard size >= 0, fseek(file, 0, SEEK_SET) == 0 else { return nil }
    var failed = false
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
        count = fread(buffer.baseAddress, 1, size, file)
        failed = count != size
    }
    return failed ? nil : bytes
}

let start = ContinuousClock.now
let validator: XMLDocumentValidator
do {
    validator = try XMLDocumentValidator(schemaFile: arguments[0], configuration: .init(limits: limits))
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(2)
}
var invalid = 0
var documents = 0
for _ in 0..<max(1, repetitions) {
    for path in arguments.dropFirst() {
        guard let data = readFile(path) else {
            FileHandle.standardError.write(Data("\(path): cannot read\n".utf8))
            exit(2)
        }
        documents += 1
        if phases {
            let clock = ContinuousClock()
            var marks = [clock.now]
            let document = try? validator.parser.parse(data)
            marks.append(clock.now)
            let violations = document.map { validator.schema.validate($0) } ?? []
            marks.append(clock.now)
            let output = document?.sanitized() ?? []
            marks.append(clock.now)
            _ = consume document
            marks.append(clock.now)
            let names = ["parse", "validate", "sanitize", "free"]
            let report = zip(names, zip(marks, marks.dropFirst())).map { "\($0.0) \($0.1.1 - $0.1.0)" }
            print(report.joined(separator: ", "), "violations \(violations.count), out \(output.count)")
            continue
        }
        let summary: String?
        if sanitizes {
            let outcome = validator.validate(bytes: data)
            summary = outcome.isValid ? nil : outcome.summary
        } else {
            do {
                let document = try validator.parser.parse(data)
                summary = validator.schema.validate(document).first.map { "invalid: \($0)" }
            } catch {
                summary = "invalid: \(error.summary)"
            }
        }
        if let summary {
            invalid += 1
            if invalid <= 3 {
                print("\(path): \(summary)")
            }
        }
    }
}
let elapsed = ContinuousClock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
print(String(format: "airlock: %d documents, %d invalid, %.3f s", documents, invalid, seconds))
exit(invalid == 0 ? 0 : 1)
