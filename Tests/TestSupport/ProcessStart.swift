import Foundation
import IPCSyscalls

extension Process {
    /// Starts the process while no kernel-agreement test is inside `Syscall.withoutConcurrentSpawns`.
    ///
    /// Suites run in parallel in one test process. Between its clone and its exec a child holds a copy of every
    /// descriptor of that process, so a close in an agreement test running beside a plain `run()` is not the last: the
    /// peer sees no end of file, a send gets `EAGAIN` where the model says `EPIPE`. `UnixSocketModelAgreementTests`
    /// failed so about once in 130 full runs; with a thread spawning `/bin/true` through `run()` beside it, in 3 of 3
    /// runs, and in 0 of 3 with the spawns made through this. `Syscall.spawn` takes the same lock.
    public func runHoldingOffAgreementTests() throws {
        try Syscall.withoutConcurrentSpawns { () throws(any Error) in try run() }
    }
}
