/// What `setrlimit` (or `prlimit` of itself) answers for a process whose limits the trace knows, whatever the resource
/// (measured for `RLIMIT_MEMLOCK` in `SharedMemoryMemoryLimitFactsTests`, for `RLIMIT_FSIZE` in
/// `SharedMemoryFileSizeLimitFactsTests`): a soft limit above the hard one fails `EINVAL` first; raising the hard
/// limit fails `EPERM` without `CAP_SYS_RESOURCE` (root here lacks it); anything else succeeds. Where the current hard
/// limit or the capability is not known, both a success and `EPERM` may happen.
enum ResourceLimitChange {
    /// The errors the call may end with (nil: success), in no order.
    static func outcomes(soft: Int, hard: Int, currentHard: Int?, capSysResource: Bool?) -> [ErrorCode?] {
        if soft > hard { return [.EINVAL] }
        switch (currentHard.map { hard > $0 }, capSysResource) {
        case (false?, _), (_, true?): return [nil]
        case (true?, false?): return [.EPERM]
        default: return [nil, .EPERM]
        }
    }
}
