import AirlockCore
/// Parsers for the human quantities used in policies: sizes (`5MiB`) and durations (`250ms`).
public enum Quantity {
    /// Parses `512`, `64KB`, `64KiB`, `5MB`, `5MiB`, `1GiB` into bytes (KB = 1000, KiB = 1024).
    public static func bytes(_ text: String) -> Int? {
        let units: [(String, Int)] = [
            ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10),
            ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000), ("kB", 1_000), ("B", 1),
        ]
        let trimmed = text.trimmingSpaces()
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            return scaled(String(trimmed.dropLast(suffix.count)).trimmingSpaces(), factor)
        }
        return scaled(trimmed, 1)
    }

    /// Parses `250ms`, `3s`, `2m`, `1h` into milliseconds. A bare number is refused:
    /// a timeout of `3` could mean seconds or milliseconds, and guessing is how outages start.
    public static func milliseconds(_ text: String) -> Int? {
        let units: [(String, Int)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        let trimmed = text.trimmingSpaces()
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            return scaled(String(trimmed.dropLast(suffix.count)), factor)
        }
        return nil
    }

    private static func scaled(_ digits: String, _ factor: Int) -> Int? {
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let value = Int(digits) else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        return overflow ? nil : product
    }
}
