import Foundation
import Testing

/// Locates the read-only `shared/` data directory (AIRLOCK_SHARED, else walking up from this file).
public enum SharedData {
    /// The `shared` directory path, or nil (callers must record an issue, never skip).
    public static let root: String? = {
        if let env = ProcessInfo.processInfo.environment["AIRLOCK_SHARED"], !env.isEmpty { return env }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("shared/conformance").path
            if FileManager.default.fileExists(atPath: candidate) {
                return dir.appendingPathComponent("shared").path
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }()

    /// Returns `shared/<relative>` or records a loud failure when the data is missing.
    public static func path(_ relative: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        guard let root else {
            Issue.record("shared/ data not found: set AIRLOCK_SHARED or place shared/conformance above the repo",
                         sourceLocation: sourceLocation)
            return nil
        }
        let full = root + "/" + relative
        guard FileManager.default.fileExists(atPath: full) else {
            Issue.record("missing shared data: \(full)", sourceLocation: sourceLocation)
            return nil
        }
        return full
    }

    /// Reads a file as bytes.
    public static func bytes(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    /// Lists a directory's file names, sorted.
    public static func list(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }
}
