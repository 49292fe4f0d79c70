import Glibc

/// The monotonic clock the harness timestamps events with.
public enum MonotonicClock {
    /// Nanoseconds on `CLOCK_MONOTONIC`.
    ///
    /// The corresponding C function is `clock_gettime`.
    public static func nanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// Nanoseconds of CPU time the calling thread has used (`CLOCK_THREAD_CPUTIME_ID`): what a benchmark on a
    /// machine shared with other work measures, as wall time there depends on the neighbours.
    ///
    /// The corresponding C function is `clock_gettime`.
    public static func threadCPUNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// Waits `nanoseconds`, resuming after signals. Used to inject delays, never to synchronise.
    ///
    /// The corresponding C function is `nanosleep`.
    public static func sleep(nanoseconds: UInt64) {
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
    }
}
