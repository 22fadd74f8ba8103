#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The process's limit on open files. Every peer connection, outbound delivery, hook and database file
/// takes one; the usual soft limit of 1,024 is far below what the hard limit allows.
public enum FileLimit {
    /// Raises the soft limit to the hard limit and returns both as they now are (nil when they cannot be
    /// read). Raising may be refused (a sandbox); the limits are then returned as they were.
    @discardableResult
    public static func raiseSoftToHard() -> (soft: UInt64, hard: UInt64)? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return (UInt64(limit.rlim_cur), UInt64(limit.rlim_max))
    }
}
