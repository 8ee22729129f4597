#if canImport(Glibc)
import Glibc
#endif

/// Names the calling OS thread (what `top -H` and `ps -L` show), at most 15 bytes on Linux.
/// Foundation's `Thread.name` does not reach the OS thread on Linux, so Airlock's own threads
/// (libcurl engine, audit writer) would otherwise all read "oot.default-qos".
public enum ThreadName {
    /// Best effort: a failure leaves the old name.
    public static func setCurrent(_ name: String) {
        #if os(Linux)
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        #endif
    }
}
