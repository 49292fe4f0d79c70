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

    /// Every signal of `signals` pending for this thread (or its process), in the order `sigtimedwait` takes them;
    /// the first `awaiting` waited for (up to ten seconds each) if they are not pending yet.
    ///
    /// A close is the last only once no child holds the description: between its clone and its exec a child holds a
    /// copy of every descriptor of this process. `KernelFIFOAsyncFactsTests` failed so once in a full run on this
    /// machine and once in CI, beside an exit test Swift Testing spawned; every `posix_spawn` of the test process now
    /// waits for ``Syscall/withoutConcurrentSpawns(_:)`` (Tests/CSpawnGate), and a fact about a close's signal still
    /// awaits it, for a child made by other means. A fact that a close sends nothing cannot await, and need not: a late
    /// release sends what an immediate one would, after it was not looked for.
    static func takeAll(_ signals: [CInt], awaiting: Int = 0) -> [(signal: CInt, code: CInt, band: Int, descriptor: CInt)] {
        var taken: [(signal: CInt, code: CInt, band: Int, descriptor: CInt)] = []
        while taken.count < awaiting,
            let one = try? Syscall.waitForIOSignal(signals, timeoutNanoseconds: 10_000_000_000, retryOnInterrupt: true)
        {
            taken.append(one)
        }
        while let one = try? Syscall.waitForIOSignal(signals, timeoutNanoseconds: 0, retryOnInterrupt: false) { taken.append(one) }
        return taken
    }
}
