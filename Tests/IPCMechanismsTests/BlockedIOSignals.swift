import Glibc
import IPCSyscalls
import Testing

/// I/O signals held blocked on this test's own thread, for the facts and agreements whose owner is that thread
/// (`F_OWNER_TID`): every signal sent stays pending for it alone, and is taken before the mask is restored, so no
/// default action (`SIGIO`'s is to terminate) can run.
enum BlockedIOSignals {
    /// Runs `body` with `signals` blocked in this thread, then takes what of them is pending and restores the mask.
    ///
    /// What is pending already is taken first: a cooperative thread runs many tests, and an I/O signal another one
    /// left pending for it (a plain `SIGIO`, `SI_KERNEL`, was once taken so by the pipe's O_ASYNC agreement in CI)
    /// is not this body's.
    static func withBlocked<T>(_ signals: [CInt], _ body: () throws -> T) throws -> T {
        var set = sigset_t(), old = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        try #require(pthread_sigmask(SIG_BLOCK, &set, &old) == 0)
        _ = takeAll(signals)
        defer {
            _ = takeAll(signals)
            pthread_sigmask(SIG_SETMASK, &old, nil)
        }
        return try body()
    }

    /// Every signal of `signals` pending for this thread (or its process), in the order `sigtimedwait` takes them.
    static func takeAll(_ signals: [CInt]) -> [(signal: CInt, code: CInt, band: Int, descriptor: CInt)] {
        var taken: [(signal: CInt, code: CInt, band: Int, descriptor: CInt)] = []
        while let one = try? Syscall.waitForIOSignal(signals, timeoutNanoseconds: 0, retryOnInterrupt: false) { taken.append(one) }
        return taken
    }
}
