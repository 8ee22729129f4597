/// Request identifiers: short, unique per process run, cheap to make on the hot path.
///
/// A random 32-bit prefix per process keeps ids from two runs apart in one audit log;
/// a counter keeps them unique within a run without locking the RNG per request.
public enum RequestID {
    private static let prefix: String = {
        let value = UInt32.random(in: 0...UInt32.max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }()

    /// Returns the id for the `sequence`-th request of this process.
    public static func make(_ sequence: UInt64) -> String {
        let hex = String(sequence, radix: 16)
        return prefix + "-" + String(repeating: "0", count: max(0, 6 - hex.count)) + hex
    }
}
