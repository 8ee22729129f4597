import Foundation
import Testing

@testable import AirlockXML

/// Shared helpers for the XML tests: fixtures, byte builders, time/memory bounds.
enum Fixture {
    /// Absolute path of a file in Tests/AirlockXMLTests/Fixtures (located via #filePath, no bundle needed).
    static func path(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures").appendingPathComponent(name).path
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    static func schema(_ name: String) throws -> XMLSchema {
        try XMLSchema(contentsOf: path(name))
    }
}

extension Array where Element == UInt8 {
    init(xml: String) {
        self = Array(xml.utf8)
    }
}

/// Encodes a string as UTF-16 (little or big endian), with or without a byte-order mark.
func utf16(_ text: String, bigEndian: Bool, bom: Bool) -> [UInt8] {
    var bytes: [UInt8] = []
    let units = (bom ? [UInt16(0xFEFF)] : []) + Array(text.utf16)
    for unit in units {
        let high = UInt8(unit >> 8)
        let low = UInt8(unit & 0xFF)
        bytes += bigEndian ? [high, low] : [low, high]
    }
    return bytes
}

/// Peak resident set size of this process in bytes (VmHWM), 0 if unknown.
func peakResidentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else {
        return 0
    }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let digits = line.filter(\.isNumber)
        return (Int(digits) ?? 0) * 1024
    }
    return 0
}

/// Runs `body` and checks it finished within `seconds` and the process peak stayed under 2 GiB
/// (entity expansion or quadratic parsing would blow through both).
func withinBounds<T>(seconds: Double = 10, _ body: () throws -> T) rethrows -> T {
    let clock = ContinuousClock()
    let start = clock.now
    let result = try body()
    let elapsed = clock.now - start
    #expect(elapsed < .milliseconds(Int(seconds * 1000)), "took \(elapsed)")
    #expect(peakResidentBytes() < 2 << 30, "peak RSS \(peakResidentBytes())")
    return result
}

/// Parses with the given configuration and returns the error, if any.
func parseError(
    _ bytes: [UInt8],
    _ configuration: XMLDocumentParser.Configuration = .init()
) -> XMLError? {
    do {
        _ = try XMLDocumentParser(configuration: configuration).parse(bytes)
        return nil
    } catch {
        return error
    }
}
