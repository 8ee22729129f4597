import AirlockCore
import AirlockJSON
import AirlockXML
import ArgumentParser
import Foundation

extension Airlock {
    /// `airlock validate`: checks documents offline against a schema, one line per document.
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check JSON or XML documents against a JSON Schema, an OpenAPI document or an XSD.",
            discussion: """
                The document type follows the schema file: .xsd means XML. Prints `PATH: valid` or \
                `PATH: invalid: <location>: <message>` per document. A DOC of - reads standard input. \
                Exit status: 0 all valid, 1 any invalid, 2 usage or schema error.
                """)

        @Option(name: .long, help: "The schema: a JSON Schema, an OpenAPI document (with --pointer) or an XSD.")
        var schema: String

        @Option(name: .long, help: "JSON Pointer to the schema inside the file (e.g. /components/schemas/charge).")
        var pointer: String?

        @Option(name: .customLong("ref-dir"), help: "A folder of schemas that $ref may name (repeatable).")
        var refDirectories: [String] = []

        @Flag(name: .long, help: "Print the sanitized document (undeclared JSON properties removed; XML without comments, PIs, DOCTYPE).")
        var stripUnknown = false

        @Flag(name: .long, help: "Print one JSON object per document instead of text.")
        var json = false

        @Argument(help: "Documents to check (- for standard input).")
        var documents: [String]

        func validate() throws {
            if documents.isEmpty { throw ValidationError("name at least one document") }
        }

        /// What one document came to: printed as one line, plus the sanitized bytes when asked.
        struct Verdict {
            let valid: Bool
            let reason: String?
            let summary: String
            let sanitized: [UInt8]?
        }

        func run() async throws {
            let check: ([UInt8]) -> Verdict
            do {
                check = schema.lowercased().hasSuffix(".xsd") ? try xmlChecker() : try jsonChecker()
            } catch {
                printError("airlock: \(schema): \(error)")
                throw ExitCode(2)
            }
            var anyInvalid = false
            for path in documents {
                guard let bytes = Self.read(path) else {
                    printError("airlock: cannot read \(path)")
                    throw ExitCode(2)
                }
                let verdict = check(bytes)
                if !verdict.valid { anyInvalid = true }
                report(path: path, valid: verdict.valid, reason: verdict.reason, summary: verdict.summary)
                if stripUnknown, let sanitized = verdict.sanitized { print(String(decoding: sanitized, as: UTF8.self)) }
            }
            if anyInvalid { throw ExitCode(1) }
        }

        /// Compiles the JSON Schema (or the OpenAPI schema at `--pointer`) once.
        private func jsonChecker() throws -> ([UInt8]) -> Verdict {
            let validator = try JSONDocumentValidator(
                schemaFile: schema, pointer: pointer, refDirectories: refDirectories,
                options: .init(stripUnknown: stripUnknown))
            return { bytes in
                switch validator.validate(bytes) {
                case .valid(let sanitized):
                    return Verdict(valid: true, reason: nil, summary: "valid", sanitized: sanitized)
                case .invalid(let violations):
                    let first = violations.first
                    let location = (first?.instanceLocation).map { $0.isEmpty ? "/" : $0 } ?? "/"
                    let summary = "invalid: \(location): \(first?.message ?? "schema violation") (\(first?.keywordLocation ?? ""))"
                    return Verdict(valid: false, reason: "schema_violation", summary: summary, sanitized: nil)
                case .malformed(let error):
                    return Verdict(valid: false, reason: Self.reason(error.kind), summary: "invalid: \(error)", sanitized: nil)
                }
            }
        }

        static func reason(_ kind: JSONParseError.Kind) -> String {
            switch kind {
            case .tooManyBytes, .tooDeep, .stringTooLong, .tooManyObjectEntries, .tooManyArrayItems, .numberTooLarge: "json_limit_exceeded"
            default: "json_malformed"
            }
        }

        /// Compiles the XSD (and the files it includes) once.
        private func xmlChecker() throws -> ([UInt8]) -> Verdict {
            let validator = try XMLDocumentValidator(schemaFile: schema)
            return { bytes in
                let outcome = validator.validate(bytes: bytes)
                var sanitized: [UInt8]?
                if case .valid(let bytes) = outcome { sanitized = bytes }
                return Verdict(valid: outcome.isValid, reason: outcome.reason, summary: outcome.summary, sanitized: sanitized)
            }
        }

        private func report(path: String, valid: Bool, reason: String?, summary: String) {
            if json {
                var line = "{\"document\":"
                JSONString.append(&line, path)
                line += ",\"valid\":\(valid),\"reason\":"
                if let reason { JSONString.append(&line, reason) } else { line += "null" }
                line += ",\"message\":"
                JSONString.append(&line, summary)
                print(line + "}")
            } else {
                print("\(path): \(summary)")
            }
        }

        static func read(_ path: String) -> [UInt8]? {
            if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
            return FileManager.default.contents(atPath: path).map { Array($0) }
        }
    }
}
