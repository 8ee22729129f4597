// Times Airlock's XML validation (parse + XSD + sanitize, schema compiled once) for bench/xml-bench.sh.
// Usage: airlock-xml-bench SCHEMA.xsd DOC.xml... [--repeat N] [--max-bytes N] [--no-sanitize]
// No Foundation: like xmllint, the process loads only what the engine needs (Foundation's start-up
// costs more than a small document), and writes its last line without allocating a stdio buffer.
import AirlockXML

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes straight to a file descriptor (no stdio buffer, no Foundation).
func emit(_ text: String, to descriptor: Int32 = 1) {
    var text = text
    text.withUTF8 { bytes in
        _ = write(descriptor, bytes.baseAddress, bytes.count)
    }
}

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
    emit("usage: airlock-xml-bench SCHEMA.xsd DOC.xml... [--repeat N]\n", to: 2)
    exit(2)
}

/// Reads a whole file straight into a byte array with open/fstat/read, as xmllint reads its files
/// (no stdio buffer, no intermediate copy).
func readFile(_ path: String) -> [UInt8]? {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { return nil }
    let size = Int(status.st_size)
    var failed = false
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
        var total = 0
        while total < size, let base = buffer.baseAddress {
            let read = read(descriptor, base + total, size - total)
            guard read > 0 else { break }
            total += read
        }
        count = total
        failed = total != size
    }
    return failed ? nil : bytes
}

let start = ContinuousClock.now
let validator: XMLDocumentValidator
do {
    validator = try XMLDocumentValidator(schemaFile: arguments[0], configuration: .init(limits: limits))
} catch {
    emit("\(error)\n", to: 2)
    exit(2)
}
var invalid = 0
var documents = 0
for _ in 0..<max(1, repetitions) {
    for path in arguments.dropFirst() {
        guard let data = readFile(path) else {
            emit("\(path): cannot read\n", to: 2)
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
            emit(report.joined(separator: ", ") + " violations \(violations.count), out \(output.count)\n")
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
                emit("\(path): \(summary)\n")
            }
        }
    }
}
let elapsed = ContinuousClock.now - start
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let milliseconds = Int((seconds * 1000).rounded())
let fraction = String(milliseconds % 1000)
emit("airlock: \(documents) documents, \(invalid) invalid, \(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count) + fraction) s\n")
exit(invalid == 0 ? 0 : 1)
